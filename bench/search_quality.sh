#!/usr/bin/env bash
# Aging evolution vs random search on NAS-Bench-201 through the real service:
# a throwaway PostgreSQL, one controller, two table-lookup workers.
# Writes bench/results/search_quality.md.   Usage: bench/search_quality.sh [SEEDS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SEEDS=${1:-100}
TABLE=$(cd "$ROOT/../shared/data/nasbench201" && pwd)/nb201_cifar10_test_acc.csv

bash scripts/install_deps.sh
bazel build --noshow_progress --ui_event_filters=-info //controller:nas_controller //worker:nas_worker \
  //bench/search_quality:search_quality
BIN="$ROOT/bazel-bin"
RUN_DIR=$(mktemp -d /tmp/nas-bench.XXXXXX)
chmod 755 "$RUN_DIR"  # The PostgreSQL server runs as its own user.
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bash "$ROOT/scripts/throwaway_pg.sh" stop "$RUN_DIR/pg" || true
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT INT TERM

DSN=$(bash scripts/throwaway_pg.sh start "$RUN_DIR/pg")
"$BIN/controller/nas_controller" --database="$DSN" --listen=127.0.0.1:0 \
  --port_file="$RUN_DIR/port" >"$RUN_DIR/controller.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 300); do [ -s "$RUN_DIR/port" ] && break; sleep 0.1; done
ADDR="127.0.0.1:$(cat "$RUN_DIR/port")"
for i in 1 2; do
  "$BIN/worker/nas_worker" --controller="$ADDR" --worker_id="bench-$i" \
    --job_kinds=table_lookup --threads=1 >"$RUN_DIR/worker-$i.log" 2>&1 &
  PIDS+=($!)
done
mkdir -p bench/results
"$BIN/bench/search_quality/search_quality" --controller="$ADDR" --table="$TABLE" \
  --seeds="$SEEDS" --out=bench/results/search_quality.md
