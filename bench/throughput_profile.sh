#!/usr/bin/env bash
# Where one throughput point's time goes: runs the controller with N simulated
# table-lookup workers (as bench/throughput.sh does, one repeat) on a server
# with pg_stat_statements, then writes bench/results/throughput-profile.md:
# evaluations/s, CPU seconds of the database, the controller and the
# simulated workers per evaluation, and the statements the database ran per
# evaluation with their execution time, the costliest first.
#   bench/throughput_profile.sh              N=64, 2000 evaluations
#   WORKERS=256 bench/throughput_profile.sh  another N
#   PERF=1 bench/throughput_profile.sh       also samples the controller with perf
#                                            (the hottest functions, appended)
# Other knobs (env): BUDGET, STRATEGY, CONTROLLER_FLAGS, WORKER_FLAGS, BENCH_OUT, DURABLE=1.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
WORKERS=${WORKERS:-64}
BUDGET=${BUDGET:-2000}
STRATEGY=${STRATEGY:-aging_evolution}
CONTROLLER_FLAGS=${CONTROLLER_FLAGS:-}
WORKER_FLAGS=${WORKER_FLAGS:-}
OUT=${BENCH_OUT:-bench/results/throughput-profile.md}
if [ "${DURABLE:-0}" = 1 ]; then export THROWAWAY_PG_FSYNC=on THROWAWAY_PG_SYNCHRONOUS_COMMIT=on; fi
# pg_stat_statements must be loaded when the server starts.
export THROWAWAY_PG_EXTRA_OPTIONS="-c shared_preload_libraries=pg_stat_statements \
-c pg_stat_statements.track=all"
source bench/throughput/setup.sh
DSN="host=127.0.0.1 port=$PORT user=postgres dbname=profile"
psql -q "host=127.0.0.1 port=$PORT user=postgres dbname=postgres" -c "CREATE DATABASE profile"
psql -q "$DSN" -c "CREATE EXTENSION pg_stat_statements"

# CPU seconds (user + system) of the processes whose command is $1.
cpu_of() {
  local ticks=0 pid
  for pid in $(pgrep -x "$1" || true); do
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$ticks"
}

start_controller profile "$WORK/controller.log"
psql -q "$DSN" -c "SELECT pg_stat_statements_reset()" >/dev/null
pg_before=$(cpu_of postgres)
ctl_before=$(awk '{print $14 + $15}' "/proc/$CONTROLLER_PID/stat")
# The simulated workers' own CPU, from the shell's children accounting.
workers_before=$(awk '{print $16 + $17}' /proc/$$/stat)
PERF_PID=""
if [ "${PERF:-0}" = 1 ]; then
  perf record -F 499 -g -p "$CONTROLLER_PID" -o "$WORK/perf.data" >/dev/null 2>&1 &
  PERF_PID=$!
  sleep 1
fi
# shellcheck disable=SC2086
"$BIN/bench/throughput/controller_throughput" --controller="127.0.0.1:$(cat "$WORK/controller.port")" \
  --table="$TABLE" --workers="$WORKERS" --budget="$BUDGET" --strategy="$STRATEGY" $WORKER_FLAGS \
  >"$WORK/run.json"
workers_after=$(awk '{print $16 + $17}' /proc/$$/stat)
if [ -n "$PERF_PID" ]; then kill -INT "$PERF_PID"; wait "$PERF_PID" || true; fi
pg_after=$(cpu_of postgres)
ctl_after=$(awk '{print $14 + $15}' "/proc/$CONTROLLER_PID/stat")
HZ=$(getconf CLK_TCK)

evals=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["evaluations"])' "$WORK/run.json")
mkdir -p "$(dirname "$OUT")"
{
  echo "# Throughput profile: N=$WORKERS simulated workers, $BUDGET evaluations ($STRATEGY)"
  echo
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Flags: controller '$CONTROLLER_FLAGS', workers '$WORKER_FLAGS'; durable=${DURABLE:-0}."
  echo
  python3 - "$WORK/run.json" "$evals" "$HZ" "$((pg_after - pg_before))" "$((ctl_after - ctl_before))" \
    "$((workers_after - workers_before))" <<'EOF'
import json, sys
run = json.load(open(sys.argv[1]))
evals, hz = int(sys.argv[2]), int(sys.argv[3])
pg, ctl, workers = (int(x) / hz for x in sys.argv[4:7])
print(f"{run['evaluations_per_second']:.0f} evaluations/s over {run['wall_seconds']:.2f} s; "
      f"lease p50/p99 {run['lease']['p50_ms']:.1f}/{run['lease']['p99_ms']:.1f} ms "
      f"(own, less the wait for a job and the first: {run['lease_own']['p50_ms']:.1f}/"
      f"{run['lease_own']['p99_ms']:.1f} ms), "
      f"report p50/p99 {run['report']['p50_ms']:.1f}/{run['report']['p99_ms']:.1f} ms, "
      f"empty leases {run['empty_lease']['calls']}.")
print()
print("| process | CPU s | CPU ms per evaluation |")
print("|---|---:|---:|")
for name, s in (("PostgreSQL (all backends)", pg), ("controller", ctl), ("simulated workers", workers)):
    print(f"| {name} | {s:.2f} | {1000 * s / evals:.3f} |")
print()
EOF
  echo "Statements per evaluation (pg_stat_statements, top 25 by total execution time):"
  echo
  echo "| calls/eval | ms/eval | mean ms | statement |"
  echo "|---:|---:|---:|---|"
  psql -qAt -F'|' "$DSN" -c "
    SELECT round(calls::numeric / $evals, 2), round((total_exec_time / $evals)::numeric, 3),
           round(mean_exec_time::numeric, 3),
           replace(left(regexp_replace(query, '\s+', ' ', 'g'), 110), '|', '/')
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'profile')
      AND query NOT LIKE '%pg_stat_statements%'
    ORDER BY total_exec_time DESC LIMIT 25" | sed 's/^/| /; s/$/ |/'
  echo
  psql -qAt "$DSN" -c "
    SELECT 'All statements: ' || round(sum(calls)::numeric / $evals, 1) || ' per evaluation, ' ||
           round((sum(total_exec_time) / $evals)::numeric, 3) || ' ms of execution per evaluation.'
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'profile')
      AND query NOT LIKE '%pg_stat_statements%'"
  if [ -n "$PERF_PID" ]; then
    echo
    echo "Controller CPU by function (perf, self time, >= 1.5%):"
    echo
    echo '```'
    perf report -i "$WORK/perf.data" --no-children --percent-limit 1.5 --stdio -g none \
      --sort dso,symbol 2>/dev/null | grep -v '^#' | grep -v '^$' | cut -c1-150 | head -40
    echo '```'
  fi
} >"$OUT"
cat "$OUT"
