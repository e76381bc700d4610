#!/usr/bin/env bash
# Controller throughput vs Optuna, side by side in one run on one PostgreSQL:
# for each N, a fresh database and controller with N simulated table-lookup
# workers (bench/throughput/controller_throughput), then a fresh database
# with N Optuna worker processes (bench/throughput/optuna_workers.py).
# Writes bench/results/throughput.json.
#   bench/throughput.sh            N = 1 8 64 256, 2000 evaluations per search
#   QUICK=1 bench/throughput.sh    N = 1 8, 200 evaluations (a smoke run)
# Other knobs (env): WORKERS, BUDGET, STRATEGY (aging_evolution|random),
# OPTUNA_TRIALS, OPTUNA_MAX_SECONDS, CONTROLLER_FLAGS, BENCH_OUT.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if [ "${QUICK:-0}" = 1 ]; then
  WORKERS=${WORKERS:-"1 8"}; BUDGET=${BUDGET:-200}; OPTUNA_TRIALS=${OPTUNA_TRIALS:-100}
  OPTUNA_MAX_SECONDS=${OPTUNA_MAX_SECONDS:-20}
fi
WORKERS=${WORKERS:-"1 8 64 256"}
BUDGET=${BUDGET:-2000}
STRATEGY=${STRATEGY:-aging_evolution}
OPTUNA_TRIALS=${OPTUNA_TRIALS:-1000}
OPTUNA_MAX_SECONDS=${OPTUNA_MAX_SECONDS:-60}
CONTROLLER_FLAGS=${CONTROLLER_FLAGS:-}
OUT=${BENCH_OUT:-bench/results/throughput.json}
TABLE=$(cd "$ROOT/../shared/data/nasbench201" && pwd)/nb201_cifar10_test_acc.csv

bazel build -c opt --noshow_progress --ui_event_filters=-info //controller:nas_controller \
  //bench/throughput:controller_throughput
BIN=$(bazel info -c opt bazel-bin 2>/dev/null)

WORK=$(mktemp -d /tmp/nas-throughput.XXXXXX)
chmod 755 "$WORK"
CONTROLLER_PID=""
cleanup() {
  [ -n "$CONTROLLER_PID" ] && kill -TERM "$CONTROLLER_PID" 2>/dev/null && wait "$CONTROLLER_PID" || true
  bash scripts/throwaway_pg.sh stop "$WORK/pg" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
# Each Optuna process may hold two connections (400 was too few for N=256).
THROWAWAY_PG_MAX_CONNECTIONS=700 bash scripts/throwaway_pg.sh start "$WORK/pg" >/dev/null
PORT=$(cat "$WORK/pg/port")
createdb() { psql -q "host=127.0.0.1 port=$PORT user=postgres dbname=postgres" -c "CREATE DATABASE $1"; }

for n in $WORKERS; do
  createdb "controller_n$n"
  rm -f "$WORK/controller.port"
  # shellcheck disable=SC2086
  "$BIN/controller/nas_controller" --listen=127.0.0.1:0 --port_file="$WORK/controller.port" \
    --database="host=127.0.0.1 port=$PORT user=postgres dbname=controller_n$n" $CONTROLLER_FLAGS \
    >"$WORK/controller_n$n.log" 2>&1 &
  CONTROLLER_PID=$!
  for _ in $(seq 300); do [ -s "$WORK/controller.port" ] && break; sleep 0.1; done
  [ -s "$WORK/controller.port" ] || { cat "$WORK/controller_n$n.log" >&2; exit 1; }
  echo "controller, N=$n workers, $BUDGET evaluations ($STRATEGY)" >&2
  "$BIN/bench/throughput/controller_throughput" --controller="127.0.0.1:$(cat "$WORK/controller.port")" \
    --table="$TABLE" --workers="$n" --budget="$BUDGET" --strategy="$STRATEGY" \
    | tee -a "$WORK/controller.jsonl" >&2
  kill -TERM "$CONTROLLER_PID"; wait "$CONTROLLER_PID" || true; CONTROLLER_PID=""

  createdb "optuna_n$n"
  echo "optuna, N=$n workers, up to $OPTUNA_TRIALS trials or ${OPTUNA_MAX_SECONDS}s" >&2
  /usr/bin/python3 bench/throughput/optuna_workers.py \
    --url="postgresql+psycopg2://postgres@127.0.0.1:$PORT/optuna_n$n" --table="$TABLE" \
    --workers="$n" --trials="$OPTUNA_TRIALS" --max_seconds="$OPTUNA_MAX_SECONDS" \
    | tee -a "$WORK/optuna.jsonl" >&2
done

mkdir -p "$(dirname "$OUT")"
/usr/bin/python3 bench/report.py throughput --controller="$WORK/controller.jsonl" \
  --optuna="$WORK/optuna.jsonl" --params="budget=$BUDGET strategy=$STRATEGY \
optuna_trials=$OPTUNA_TRIALS optuna_max_seconds=$OPTUNA_MAX_SECONDS controller_flags='$CONTROLLER_FLAGS'" \
  --out="$OUT"
echo "wrote $OUT" >&2
