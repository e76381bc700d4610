#!/usr/bin/env bash
# Streamed image folders: the loader's batches/s against the quick start
# network's training batches/s on this machine (goal: the loader >= 3x, so
# data is never the bottleneck), and peak memory of a worker process reading
# a folder 10x larger than its --dataset_memory_mb, streamed and in memory.
# The folders are Fashion-MNIST's training images written as PNGs (28x28,
# grayscale): 6,000 (1x; 18 MiB decoded, just over the budget, so it streams)
# and 60,000 (10x) images. Loader and training
# repeats alternate, each a fresh process. Writes bench/results/loader.json.
#   bench/loader.sh            REPEATS=3, budget 16 MiB
#   QUICK=1 bench/loader.sh    REPEATS=1, 1,200 and 12,000 images, budget 3 MiB
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if [ "${QUICK:-0}" = 1 ]; then
  REPEATS=${REPEATS:-1}; SMALL=${SMALL:-1200}; MEMORY_MB=${MEMORY_MB:-3}
fi
REPEATS=${REPEATS:-3}
SMALL=${SMALL:-6000}
MEMORY_MB=${MEMORY_MB:-16}
THREADS=${THREADS:-2}
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
OUT=${BENCH_OUT:-bench/results/loader.json}
# The quick start's network (deploy/specs/quickstart_fashion_mnist.textproto:
# C=8, 3 cells, 3-node DARTS cells, batch 64) with a convolution-heavy cell.
GENOME="normal: sep_conv_3x3(0)+sep_conv_3x3(1) | sep_conv_3x3(0)+skip_connect(2) | dil_conv_3x3(1)+sep_conv_3x3(3) ; reduce: max_pool_3x3(0)+max_pool_3x3(1) | skip_connect(2)+max_pool_3x3(1) | max_pool_3x3(0)+skip_connect(2)"

bazel build -c opt --noshow_progress --ui_event_filters=-info \
  //bench/loader:loader_throughput //bench/training:training_throughput
BIN=$(bazel info -c opt bazel-bin 2>/dev/null)
LOADER=$BIN/bench/loader/loader_throughput
WORK=$(mktemp -d /tmp/nas-loader-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
LINES=$WORK/lines.jsonl
"$LOADER" --data="$DATA" --write_folder="$WORK/small" --examples="$SMALL"
"$LOADER" --data="$DATA" --write_folder="$WORK/large" --examples=$((SMALL * 10))

loader() {  # EXTRA_FLAGS...
  "$LOADER" --folder="$WORK/small" --memory_mb="$MEMORY_MB" --threads="$THREADS" "$@" |
    sed 's/^{/{"kind": "loader", /' | tee -a "$LINES" >&2
}
training() {
  "$BIN/bench/training/training_throughput" --data="$DATA" --genomes="$GENOME" \
    --threads="$THREADS" --batch_size=64 --steps=20 --warmup_steps=3 --init_channels=8 \
    --cells=3 | sed 's/^{/{"kind": "training", /' | tee -a "$LINES" >&2
}
for r in $(seq "$REPEATS"); do
  echo "repeat $r of $REPEATS" >&2
  if [ $((r % 2)) = 1 ]; then loader; loader --crop_flip; training
  else training; loader --crop_flip; loader; fi
done
for folder in small large; do
  "$LOADER" --folder="$WORK/$folder" --memory_mb="$MEMORY_MB" --threads="$THREADS" |
    sed "s/^{/{\"kind\": \"memory\", \"folder\": \"$folder\", /" | tee -a "$LINES" >&2
done
"$LOADER" --folder="$WORK/large" --memory_mb=0 --threads="$THREADS" |
  sed 's/^{/{"kind": "memory", "folder": "large", /' | tee -a "$LINES" >&2
mkdir -p "$(dirname "$OUT")"
/usr/bin/python3 bench/report.py loader --lines="$LINES" --out="$OUT" --params="threads=$THREADS \
memory_mb=$MEMORY_MB small_folder=$SMALL large_folder=$((SMALL * 10)) repeats=$REPEATS batch_size=64 \
data=$DATA"
echo "wrote $OUT" >&2
