#!/usr/bin/env bash
# Training throughput: the worker's LibTorch C++ training vs the same networks
# in PyTorch Python (Debian's python3-torch, the same libtorch 1.13.1), two
# DARTS-cell genomes on Fashion-MNIST, same threads and batch. The two
# implementations run alternately (which goes first swaps every repeat), each
# repeat a fresh process. Writes bench/results/training.json.
#   bench/training.sh           REPEATS=3, C=16, 5 cells, 15 timed steps of 64
#   QUICK=1 bench/training.sh   REPEATS=1, C=8, 3 cells, 4 timed steps
# THREADS defaults to 1: with the cores shared by other work, LibTorch's
# OpenMP threads spin-wait for each other and 2-thread timings swing tenfold.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if [ "${QUICK:-0}" = 1 ]; then
  REPEATS=${REPEATS:-1}; INIT_CHANNELS=${INIT_CHANNELS:-8}; CELLS=${CELLS:-3}; STEPS=${STEPS:-4}
fi
REPEATS=${REPEATS:-3}
THREADS=${THREADS:-1}
BATCH=${BATCH:-64}
STEPS=${STEPS:-15}
WARMUP=${WARMUP:-3}
INIT_CHANNELS=${INIT_CHANNELS:-16}
CELLS=${CELLS:-5}
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
OUT=${BENCH_OUT:-bench/results/training.json}
# DARTS V2's cells (Liu et al. 2019), convolution-heavy; and a mixed cell of
# dilated convolutions, pools and skips. Both from the darts_cell space, 4 nodes.
GENOME_A="normal: sep_conv_3x3(0)+sep_conv_3x3(1) | sep_conv_3x3(0)+sep_conv_3x3(1) | sep_conv_3x3(1)+skip_connect(0) | skip_connect(0)+dil_conv_3x3(2) ; reduce: max_pool_3x3(0)+max_pool_3x3(1) | skip_connect(2)+max_pool_3x3(1) | max_pool_3x3(0)+skip_connect(2) | skip_connect(2)+max_pool_3x3(1)"
GENOME_B="normal: dil_conv_5x5(0)+avg_pool_3x3(1) | sep_conv_5x5(1)+skip_connect(2) | max_pool_3x3(0)+dil_conv_3x3(3) | skip_connect(1)+sep_conv_3x3(4) ; reduce: avg_pool_3x3(0)+dil_conv_5x5(1) | sep_conv_3x3(1)+max_pool_3x3(2) | skip_connect(0)+dil_conv_3x3(2) | avg_pool_3x3(1)+sep_conv_5x5(3)"

bazel build -c opt --noshow_progress --ui_event_filters=-info //bench/training:training_throughput
BIN=$(bazel info -c opt bazel-bin 2>/dev/null)
ARGS=(--data="$DATA" --genomes="$GENOME_A,$GENOME_B" --threads="$THREADS" --batch_size="$BATCH"
      --steps="$STEPS" --warmup_steps="$WARMUP" --init_channels="$INIT_CHANNELS" --cells="$CELLS")
LINES=$(mktemp /tmp/nas-training.XXXXXX)
trap 'rm -f "$LINES"' EXIT
cpp() { "$BIN/bench/training/training_throughput" "${ARGS[@]}" | tee -a "$LINES" >&2; }
# PyTorch runs with the malloc settings the worker sets for itself at start
# (worker/training/allocator_tuning.cc: freed blocks kept for the next step,
# none handed back to the system): with glibc's defaults its step was 1.3-1.5x
# slower and swung widely between runs, which timed glibc, not the training.
PY_MALLOC="glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4611686018427387904"
py() {
  GLIBC_TUNABLES=$PY_MALLOC /usr/bin/python3 bench/training/pytorch_darts.py "${ARGS[@]}" |
    tee -a "$LINES" >&2
}
for r in $(seq "$REPEATS"); do
  echo "repeat $r of $REPEATS" >&2
  if [ $((r % 2)) = 1 ]; then cpp; py; else py; cpp; fi
done
mkdir -p "$(dirname "$OUT")"
/usr/bin/python3 bench/report.py training --lines="$LINES" --out="$OUT" --params="threads=$THREADS \
batch_size=$BATCH steps=$STEPS warmup_steps=$WARMUP init_channels=$INIT_CHANNELS cells=$CELLS \
repeats=$REPEATS data=$DATA python_malloc=$PY_MALLOC"
echo "wrote $OUT" >&2
