#!/usr/bin/env bash
# Every benchmark in one command: builds what each needs (optimised, -c opt), each starts its own
# throwaway PostgreSQL, writes one JSON per benchmark under bench/results/
# (machine, date, parameters, figures) and regenerates the benchmark table of
# docs/benchmarks.md (between <!-- bench:begin --> and <!-- bench:end -->) from the JSON.
#   bench/run_all.sh           full sizes (about 45 minutes on 2 cores)
#   QUICK=1 bench/run_all.sh   small sizes, a smoke run (a few minutes); writes
#                              bench/results/quick/ and leaves docs/benchmarks.md alone
# Not part of the test suite: too slow.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
QUICK=${QUICK:-0}
export QUICK
RESULTS=bench/results
[ "$QUICK" = 1 ] && RESULTS=bench/results/quick
mkdir -p "$RESULTS"
export BENCH_RESULTS=$RESULTS

bash scripts/install_deps.sh
BENCH_OUT="$RESULTS/throughput.json" bash bench/throughput.sh
BENCH_OUT="$RESULTS/training.json" bash bench/training.sh
BENCH_OUT="$RESULTS/loader.json" bash bench/loader.sh
if [ "$QUICK" = 1 ]; then
  BUDGET=8 EPOCHS=3 BENCH_OUT="$RESULTS/early_stopping.json" bash bench/early_stopping.sh
else
  BENCH_OUT="$RESULTS/early_stopping.json" bash bench/early_stopping.sh
fi
BENCH_RESULTS=$RESULTS bash bench/profile_training.sh
# Its QUICK size follows QUICK; it fails when an invariant does not hold.
BENCH_RESULTS=$RESULTS bash bench/chaos.sh
bash bench/profile_controller.sh

# The older benchmarks write markdown reports; their JSON wraps the report's
# tables with the machine, date, parameters and wall time.
wrapped() {  # NAME PARAMS COMMAND...
  local name=$1 params=$2; shift 2
  local start; start=$(date +%s)
  "$@"
  /usr/bin/python3 bench/report.py wrap --name="$name" --md="bench/results/$name.md" \
    --command="$*" --seconds=$(( $(date +%s) - start )) --params="$params" \
    --out="$RESULTS/$name.json"
}
if [ "$QUICK" = 1 ]; then
  # Small sizes write their markdown beside the quick JSON, not over the full reports.
  SEEDS=5
  cp bench/results/search_quality.md "$RESULTS/search_quality.md.full" 2>/dev/null || true
  wrapped search_quality "seeds=$SEEDS" bash bench/search_quality.sh "$SEEDS"
  mv bench/results/search_quality.md "$RESULTS/search_quality.md"
  mv "$RESULTS/search_quality.md.full" bench/results/search_quality.md 2>/dev/null || true
  echo "QUICK=1: NASH and supernet benchmarks skipped; docs/benchmarks.md unchanged" >&2
else
  wrapped search_quality "seeds=100" bash bench/search_quality.sh 100
  wrapped nash_fashion_mnist "spec=deploy/specs/nash_fashion_mnist.textproto" \
    bash bench/nash_fashion_mnist.sh
  wrapped supernet_memory "batch=32 channels=16 cells=5 nodes=4 k=4" bash bench/supernet_memory.sh
  # These two write bench/results/<name>.md and <name>.json themselves.
  for script in bench/supernet_fashion_mnist.sh bench/tfnas_fashion_mnist.sh; do
    if [ -f "$script" ]; then bash "$script"; else echo "run_all: $script is missing, skipped" >&2; fi
  done
  /usr/bin/python3 bench/report.py table --results="$RESULTS" --doc=docs/benchmarks.md
  echo "docs/benchmarks.md: benchmark table regenerated from $RESULTS/*.json" >&2
fi
