#!/usr/bin/env bash
# Controller throughput vs Optuna, side by side in one run on one PostgreSQL.
# For each repeat and each N, a fresh database and controller with N simulated
# table-lookup workers (bench/throughput/controller_throughput, asynchronous
# clients, one connection each); then S searches at once for each SxN of MULTI
# (the budget split between them, so the total work is the same); then, once
# per N of OPTUNA_WORKERS, a fresh database with N Optuna worker processes
# (bench/throughput/optuna_workers.py). Writes bench/results/throughput.json
# (throughput-durable.json with DURABLE=1): medians over the repeats with their
# spread, the ratio to Optuna, and the goals of docs/benchmarks.md.
#   bench/throughput.sh            N = 1 8 64 256 1000, 16 searches x 256, 3 repeats
#   QUICK=1 bench/throughput.sh    N = 1 8, 200 evaluations, 1 repeat (a smoke run)
#   DURABLE=1 bench/throughput.sh  PostgreSQL with fsync and synchronous_commit on,
#                                  as a production server runs
# Other knobs (env): WORKERS, OPTUNA_WORKERS, MULTI, REPEATS, BUDGET, STRATEGY
# (aging_evolution|random), OPTUNA_TRIALS, OPTUNA_MAX_SECONDS, CONTROLLER_FLAGS,
# WORKER_FLAGS (extra controller_throughput flags), BENCH_OUT.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if [ "${QUICK:-0}" = 1 ]; then
  WORKERS=${WORKERS:-"1 8"}; OPTUNA_WORKERS=${OPTUNA_WORKERS:-"1 8"}; MULTI=${MULTI:-"2x8"}
  BUDGET=${BUDGET:-200}; REPEATS=${REPEATS:-1}
  OPTUNA_TRIALS=${OPTUNA_TRIALS:-100}; OPTUNA_MAX_SECONDS=${OPTUNA_MAX_SECONDS:-20}
fi
WORKERS=${WORKERS:-"1 8 64 256 1000"}
# Optuna runs one process per worker: 1,000 of them do not fit 2 cores.
OPTUNA_WORKERS=${OPTUNA_WORKERS:-"1 8 64 256"}
MULTI=${MULTI:-"16x256"}
REPEATS=${REPEATS:-3}
BUDGET=${BUDGET:-2000}
STRATEGY=${STRATEGY:-aging_evolution}
OPTUNA_TRIALS=${OPTUNA_TRIALS:-1000}
OPTUNA_MAX_SECONDS=${OPTUNA_MAX_SECONDS:-60}
CONTROLLER_FLAGS=${CONTROLLER_FLAGS:-}
WORKER_FLAGS=${WORKER_FLAGS:-}
DURABLE=${DURABLE:-0}
if [ "$DURABLE" = 1 ]; then
  OUT=${BENCH_OUT:-bench/results/throughput-durable.json}
  export THROWAWAY_PG_FSYNC=on THROWAWAY_PG_SYNCHRONOUS_COMMIT=on
else
  OUT=${BENCH_OUT:-bench/results/throughput.json}
fi
source bench/throughput/setup.sh
createdb() { psql -q "host=127.0.0.1 port=$PORT user=postgres dbname=postgres" -c "CREATE DATABASE $1"; }

# run_controller NAME SEARCHES WORKERS: one fresh database and controller.
run_controller() {
  local db=$1 searches=$2 n=$3
  createdb "$db"
  start_controller "$db" "$WORK/$db.log"
  echo "controller, $searches search(es), N=$n workers, $BUDGET evaluations ($STRATEGY)" >&2
  # shellcheck disable=SC2086
  "$BIN/bench/throughput/controller_throughput" --controller="127.0.0.1:$(cat "$WORK/controller.port")" \
    --table="$TABLE" --workers="$n" --searches="$searches" --budget="$((BUDGET / searches))" \
    --strategy="$STRATEGY" $WORKER_FLAGS | tee -a "$WORK/controller.jsonl" >&2
  kill -TERM "$CONTROLLER_PID"; wait "$CONTROLLER_PID" || true; CONTROLLER_PID=""
}

# Repeats interleave the sizes, so a slow spell of the machine spreads over all.
for rep in $(seq "$REPEATS"); do
  for n in $WORKERS; do run_controller "controller_r${rep}_n$n" 1 "$n"; done
  for sn in $MULTI; do run_controller "controller_r${rep}_s${sn%x*}_n${sn#*x}" "${sn%x*}" "${sn#*x}"; done
done
touch "$WORK/optuna.jsonl"
for n in $OPTUNA_WORKERS; do
  createdb "optuna_n$n"
  echo "optuna, N=$n workers, up to $OPTUNA_TRIALS trials or ${OPTUNA_MAX_SECONDS}s" >&2
  /usr/bin/python3 bench/throughput/optuna_workers.py \
    --url="postgresql+psycopg2://postgres@127.0.0.1:$PORT/optuna_n$n" --table="$TABLE" \
    --workers="$n" --trials="$OPTUNA_TRIALS" --max_seconds="$OPTUNA_MAX_SECONDS" \
    | tee -a "$WORK/optuna.jsonl" >&2
done

mkdir -p "$(dirname "$OUT")"
/usr/bin/python3 bench/report.py throughput --controller="$WORK/controller.jsonl" \
  --optuna="$WORK/optuna.jsonl" --params="budget=$BUDGET strategy=$STRATEGY repeats=$REPEATS \
durable=$DURABLE optuna_trials=$OPTUNA_TRIALS optuna_max_seconds=$OPTUNA_MAX_SECONDS \
controller_flags='$CONTROLLER_FLAGS' worker_flags='$WORKER_FLAGS'" \
  --out="$OUT"
echo "wrote $OUT" >&2
