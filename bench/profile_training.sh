#!/usr/bin/env bash
# Where one training step's time goes: the C++ trainer's step and PyTorch
# Python's on the same network (bench/training.sh's genome A: DARTS V2 cells,
# C=16, 5 cells, batch 64, 1 thread), each after 5 warm-up steps under its
# profiler; per-operator self time side by side. Writes
# bench/results/training_profile.md and .json.
#   bench/profile_training.sh
#   CHANNELS_LAST=1 bench/profile_training.sh   both sides' weights and batches
#                                               channels-last: training_profile_channels_last.*
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
GENOME="normal: sep_conv_3x3(0)+sep_conv_3x3(1) | sep_conv_3x3(0)+sep_conv_3x3(1) | sep_conv_3x3(1)+skip_connect(0) | skip_connect(0)+dil_conv_3x3(2) ; reduce: max_pool_3x3(0)+max_pool_3x3(1) | skip_connect(2)+max_pool_3x3(1) | max_pool_3x3(0)+skip_connect(2) | skip_connect(2)+max_pool_3x3(1)"
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
OUT=${BENCH_RESULTS:-bench/results}
bazel build -c opt --noshow_progress --ui_event_filters=-info //bench/training:profile_step
BIN=$(bazel info -c opt bazel-bin 2>/dev/null)
WORK=$(mktemp -d /tmp/nas-profile.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
ARGS=(--data="$DATA" --genome="$GENOME" --threads=1 --batch_size=64 --init_channels=16 --cells=5)
NAME=training_profile
if [ "${CHANNELS_LAST:-0}" = 1 ]; then ARGS+=(--channels_last); NAME=training_profile_channels_last; fi
"$BIN/bench/training/profile_step" "${ARGS[@]}" --trace="$WORK/cpp.trace"
/usr/bin/python3 bench/training/profile_step.py "${ARGS[@]}" --trace="$WORK/python.trace"
mkdir -p "$OUT"
/usr/bin/python3 bench/training/summarize_traces.py --cpp="$WORK/cpp.trace" \
  --python="$WORK/python.trace" > "$OUT/$NAME.md"
/usr/bin/python3 bench/training/summarize_traces.py --cpp="$WORK/cpp.trace" \
  --python="$WORK/python.trace" --json > "$OUT/$NAME.json"
cat "$OUT/$NAME.md"
