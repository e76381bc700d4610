#!/usr/bin/env bash
# The GPU check: one script for a machine with an NVIDIA GPU, CMake, ninja and
# a pip PyTorch with CUDA, but no Bazel, no gRPC and no package access. In
# under 8 minutes it builds the benchmarks there (bench/gpu/CMakeLists.txt,
# against that PyTorch's LibTorch and the Debian libraries packed in .gpu-deps/
# by scripts/pack_gpu_deps.sh), trains candidates on CUDA and writes one JSON,
# $OUT/gpu_check.json, with
#   throughput   images/s of the worker's C++ trainer against the same network
#                in PyTorch Python on the same GPU (alternating runs, medians,
#                min and max; goal: at least 1.1x);
#   utilization  the fraction of time the GPU is busy with 1 training slot and
#                with K at once in one process (goal: at least 80%);
#   memory       peak CUDA memory of one DARTS and one PC-DARTS (K=4) search
#                step (the paper: about 1/K of the mixed operations' memory).
#
#   bench/gpu/run_on_device.sh                on the GPU machine
#   bench/gpu/run_on_device.sh --cpu-dry-run  here: every step on the CPU with
#                                             tiny sizes, against Debian's LibTorch
#
# Environment: OUT (where gpu_check.json and gpu_check.log, everything the
# script printed, go; default bench/results, or a temporary directory for a
# dry run), PYTHON (the Python with PyTorch; default python3, /usr/bin/python3
# for a dry run), LIBTORCH (default: PYTHON's torch directory), DATA (an idx
# training set; default .gpu-deps/data/fashion-mnist), PREBUILT (a directory
# with the three benchmark binaries already built: no CMake build; the tests
# use Bazel's), JOBS (compile jobs; default the cores), SLOTS (K; default 4),
# BUDGET_SECONDS (default 450; 1800 for a dry run, whose build on two cores
# takes minutes). Every step has a time limit inside the budget;
# a step that fails or runs out of time is recorded in the JSON's "errors" and
# the others still run. Exits 0 when every step ran, 1 otherwise.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
START=$(date +%s)

DRY_RUN=0
case "${1:-}" in
  --cpu-dry-run) DRY_RUN=1 ;;
  "") ;;
  *) echo "usage: bench/gpu/run_on_device.sh [--cpu-dry-run]" >&2; exit 2 ;;
esac

DEPS=$ROOT/.gpu-deps
SLOTS=${SLOTS:-4}
JOBS=${JOBS:-$(nproc)}
# DARTS V2's cells (Liu et al. 2019), as bench/training.sh's first genome.
GENOME="normal: sep_conv_3x3(0)+sep_conv_3x3(1) | sep_conv_3x3(0)+sep_conv_3x3(1) | sep_conv_3x3(1)+skip_connect(0) | skip_connect(0)+dil_conv_3x3(2) ; reduce: max_pool_3x3(0)+max_pool_3x3(1) | skip_connect(2)+max_pool_3x3(1) | max_pool_3x3(0)+skip_connect(2) | skip_connect(2)+max_pool_3x3(1)"
if [ "$DRY_RUN" = 1 ]; then
  PYTHON=${PYTHON:-/usr/bin/python3}
  OUT_DIR=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/nas-gpu-check.XXXXXX")}
  BUILD=$ROOT/cmake-build/gpu-check-cpu
  BUDGET_SECONDS=${BUDGET_SECONDS:-1800}
  BUILD_LIMIT=1500
  DEVICE=cpu
  # Tiny: the dry run proves the steps, not the figures.
  REPEATS=1 BATCH=16 INIT_CHANNELS=4 CELLS=2 WARMUP=1 STEPS=3
  SLOT_STEPS=4 MEM_BATCH=8 MEM_CELLS=2 MEM_STEPS=1
  SLOTS=2
else
  PYTHON=${PYTHON:-python3}
  OUT_DIR=${OUT:-$ROOT/bench/results}
  BUILD=$ROOT/cmake-build/gpu-check
  BUDGET_SECONDS=${BUDGET_SECONDS:-450}
  BUILD_LIMIT=240
  DEVICE=cuda
  REPEATS=3 BATCH=128 INIT_CHANNELS=16 CELLS=8 WARMUP=10 STEPS=100
  SLOT_STEPS=300 MEM_BATCH=64 MEM_CELLS=8 MEM_STEPS=3
fi
mkdir -p "$OUT_DIR"
exec 2> >(tee "$OUT_DIR/gpu_check.log" >&2)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nas-gpu-check-work.XXXXXX")
echo "gpu check: mode $([ "$DRY_RUN" = 1 ] && echo cpu-dry-run || echo gpu), work files in $WORK" >&2

# Runs one step under a time limit of at most $1 seconds and what is left of
# the budget; its stdout goes to $WORK/$2.out, its stderr to $WORK/$2.err and
# the terminal. A failure is noted in $WORK/errors.
step() {
  local limit=$1 name=$2 left rc started
  shift 2
  left=$((START + BUDGET_SECONDS - $(date +%s)))
  [ "$limit" -gt "$left" ] && limit=$left
  if [ "$limit" -le 5 ]; then
    echo "$name: skipped, the time budget is spent" | tee -a "$WORK/errors" >&2
    return 1
  fi
  echo "== $name (at most ${limit}s): $*" >&2
  started=$(date +%s)
  timeout --kill-after=5 "$limit" "$@" >>"$WORK/$name.out" 2> >(tee -a "$WORK/$name.err" >&2)
  rc=$?
  echo "$name $(($(date +%s) - started))" >>"$WORK/seconds"
  if [ $rc -ne 0 ]; then
    local why="exit status $rc"
    [ $rc -eq 124 ] && why="ran out of its ${limit}s"
    echo "$name: $why: $(tail -n 3 "$WORK/$name.err" 2>/dev/null | tr '\n' ' ')" >>"$WORK/errors"
    echo "== $name FAILED ($why)" >&2
  fi
  return $rc
}

# --- What is here -------------------------------------------------------------
LIBTORCH=${LIBTORCH:-$("$PYTHON" -c 'import torch, os; print(os.path.dirname(torch.__file__))' 2>/dev/null)}
CMAKE=$(command -v cmake || "$PYTHON" -c 'import cmake, os; print(os.path.join(cmake.CMAKE_BIN_DIR, "cmake"))' 2>/dev/null)
GENERATOR=Ninja
command -v ninja >/dev/null || GENERATOR="Unix Makefiles"
{
  echo "python=$PYTHON"
  echo "libtorch=$LIBTORCH"
  echo "cmake=$CMAKE"
  echo "generator=$GENERATOR"
  echo "jobs=$JOBS"
  "$PYTHON" -c 'import torch; print("python_torch=" + torch.__version__); print("python_cuda=" + str(torch.cuda.is_available()))' 2>&1
  if command -v nvidia-smi >/dev/null; then
    echo "gpu=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader -i 0 2>&1)"
  fi
} >"$WORK/info.out"
cat "$WORK/info.out" >&2
ok=1
[ -n "$LIBTORCH" ] || { echo "info: $PYTHON has no torch (set PYTHON or LIBTORCH)" >>"$WORK/errors"; ok=0; }
[ -n "$CMAKE" ] || [ -n "${PREBUILT:-}" ] || { echo "info: no cmake" >>"$WORK/errors"; ok=0; }
DATA=${DATA:-$DEPS/data/fashion-mnist}
[ -e "$DATA/train-images-idx3-ubyte.gz" ] || [ -e "$DATA/train-images-idx3-ubyte" ] ||
  { echo "info: no training images in $DATA (run scripts/pack_gpu_deps.sh where the project builds, and carry .gpu-deps)" >>"$WORK/errors"; ok=0; }

# --- Build ----------------------------------------------------------------------
if [ -n "${PREBUILT:-}" ]; then
  BUILD=$PREBUILT
  echo "build: skipped, the benchmarks in $PREBUILT" >&2
elif [ "$ok" = 1 ]; then
  [ -d "$DEPS/lib" ] || { echo "info: no .gpu-deps/ (run scripts/pack_gpu_deps.sh where the project builds, and carry .gpu-deps)" >>"$WORK/errors"; ok=0; }
  # The build's output goes to stderr, where a compile error is seen.
  [ "$ok" = 1 ] && step "$BUILD_LIMIT" build bash -c '
    "$1" -S bench/gpu -B "$2" -G "$3" -DNAS_LIBTORCH="$4" -DNAS_DEPS="$5" >&2 &&
    "$1" --build "$2" -j "$6" >&2' build "$CMAKE" "$BUILD" "$GENERATOR" "$LIBTORCH" "$DEPS" "$JOBS" || ok=0
  if [ "$ok" = 1 ] && [ "$GENERATOR" = Ninja ]; then
    # Headers of the libraries .gpu-deps/ packs must come from it, not the system.
    ninja -C "$BUILD" -t deps 2>/dev/null |
      grep -E '^ +/usr/include/(x86_64-linux-gnu/)?(absl|google|png|pngconf|pnglibconf|jpeglib|jmorecfg|jerror|jconfig|zlib|zconf)' |
      sort -u >"$WORK/unpacked_headers.out"
  fi
fi

# --- The checks -----------------------------------------------------------------
if [ "$ok" = 1 ]; then
  ARGS=(--data="$DATA" --genomes="$GENOME" --threads=1 --batch_size="$BATCH" --steps="$STEPS"
        --warmup_steps="$WARMUP" --init_channels="$INIT_CHANNELS" --cells="$CELLS" --device="$DEVICE")
  cpp() { step 60 throughput "$BUILD/training_throughput" "${ARGS[@]}"; }
  py() { PYTHONUNBUFFERED=1 step 90 throughput "$PYTHON" bench/training/pytorch_darts.py "${ARGS[@]}"; }
  for r in $(seq "$REPEATS"); do
    if [ $((r % 2)) = 1 ]; then cpp; py; else py; cpp; fi
  done

  for k in 1 "$SLOTS"; do
    smi_pid=
    if [ "$DEVICE" = cuda ] && command -v nvidia-smi >/dev/null; then
      nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits -lms 100 -i 0 \
        >"$WORK/smi_slots_$k.out" 2>/dev/null &
      smi_pid=$!
    fi
    step 90 "slots_$k" "$BUILD/concurrent_training" --data="$DATA" --genome="$GENOME" \
      --device="$DEVICE" --slots="$k" --batch_size="$BATCH" --init_channels="$INIT_CHANNELS" \
      --cells="$CELLS" --warmup_steps="$WARMUP" --steps="$SLOT_STEPS"
    [ -n "$smi_pid" ] && kill "$smi_pid" 2>/dev/null
  done

  step 90 memory "$BUILD/memory_bench" --device="$DEVICE" --format=json --batch_size="$MEM_BATCH" \
    --init_channels="$INIT_CHANNELS" --cells="$MEM_CELLS" --partial_k=4 --steps="$MEM_STEPS" \
    --threads=1
fi

# --- The report -------------------------------------------------------------------
"$PYTHON" bench/gpu/gpu_check_report.py --work="$WORK" --out="$OUT_DIR/gpu_check.json" \
  --mode="$([ "$DRY_RUN" = 1 ] && echo cpu-dry-run || echo gpu)" --slots="$SLOTS" \
  --seconds="$(($(date +%s) - START))" --params="batch_size=$BATCH init_channels=$INIT_CHANNELS \
cells=$CELLS warmup_steps=$WARMUP steps=$STEPS repeats=$REPEATS slot_steps=$SLOT_STEPS \
memory_batch_size=$MEM_BATCH memory_cells=$MEM_CELLS memory_steps=$MEM_STEPS"
report_rc=$?
echo "gpu check: wrote $OUT_DIR/gpu_check.json in $(($(date +%s) - START))s" >&2
[ "$report_rc" = 0 ] && [ ! -s "$WORK/errors" ]
