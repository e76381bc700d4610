#!/usr/bin/env bash
# Peak memory and step time of one supernet search step (architecture step +
# weight step), DARTS vs PC-DARTS (K=4), same batch, each method in a fresh
# process. Writes bench/results/supernet_memory.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash scripts/install_deps.sh
bazel build -c opt --noshow_progress --ui_event_filters=-info //bench/supernet_memory:memory_bench
BIN=$(bazel info -c opt bazel-bin 2>/dev/null)
mkdir -p bench/results
{
  echo "# Supernet step: DARTS vs PC-DARTS ($(date -u +%Y-%m-%d), $(nproc) cores, CPU)"
  echo
  "$BIN/bench/supernet_memory/memory_bench" "$@"
} | tee bench/results/supernet_memory.md
