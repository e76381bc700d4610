#!/usr/bin/env bash
# The GPU check's every step, on the CPU: bench/gpu/run_on_device.sh
# --cpu-dry-run with the Bazel-built benchmarks (PREBUILT), so that the one step
# it skips is the CMake build, which takes minutes on two cores (run the dry run
# by hand for that). Checks the JSON it writes.
#   dry_run_test.sh TRAINING_THROUGHPUT MEMORY_BENCH CONCURRENT_TRAINING
set -euo pipefail
bin="$TEST_TMPDIR/bin"
mkdir -p "$bin"
for b in "$@"; do ln -sf "$PWD/$b" "$bin/$(basename "$b")"; done
OUT="$TEST_TMPDIR/out" PREBUILT="$bin" DATA=/usr/share/datasets/fashion-mnist \
  bench/gpu/run_on_device.sh --cpu-dry-run
/usr/bin/python3 bench/gpu/check_dry_run_report.py "$TEST_TMPDIR/out/gpu_check.json"
