#!/usr/bin/env bash
# Where the controller's CPU time goes with N=256 simulated workers: the
# controller runs under callgrind (perf is not permitted in every container)
# for a short search; callgrind_annotate's inclusive listing is kept in
# bench/results/controller_profile.txt and its top items in
# bench/results/controller_profile.json.
#   bench/profile_controller.sh          N=256, 300 evaluations
#   QUICK=1 bench/profile_controller.sh  N=32, 60 evaluations
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if [ "${QUICK:-0}" = 1 ]; then WORKERS=${WORKERS:-32}; BUDGET=${BUDGET:-60}; fi
WORKERS=${WORKERS:-256}
BUDGET=${BUDGET:-300}
RESULTS=${BENCH_RESULTS:-bench/results}
TABLE=$(cd "$ROOT/../shared/data/nasbench201" && pwd)/nb201_cifar10_test_acc.csv
command -v valgrind >/dev/null || { echo "profile_controller: valgrind is not installed" >&2; exit 1; }

bazel build -c opt --noshow_progress --ui_event_filters=-info //controller:nas_controller \
  //bench/throughput:controller_throughput
BIN=$(bazel info -c opt bazel-bin 2>/dev/null)
WORK=$(mktemp -d /tmp/nas-profile.XXXXXX)
chmod 755 "$WORK"
CONTROLLER_PID=""
cleanup() {
  [ -n "$CONTROLLER_PID" ] && kill -TERM "$CONTROLLER_PID" 2>/dev/null && wait "$CONTROLLER_PID" || true
  bash scripts/throwaway_pg.sh stop "$WORK/pg" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
DSN=$(bash scripts/throwaway_pg.sh start "$WORK/pg")
# Instrumentation starts with the first lease: start-up and migrations are not
# what is being profiled.
valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" --instr-atstart=no \
  "$BIN/controller/nas_controller" --listen=127.0.0.1:0 --port_file="$WORK/controller.port" \
  --database="$DSN" ${CONTROLLER_FLAGS:-} >"$WORK/controller.log" 2>&1 &
CONTROLLER_PID=$!
for _ in $(seq 600); do [ -s "$WORK/controller.port" ] && break; sleep 0.1; done
[ -s "$WORK/controller.port" ] || { cat "$WORK/controller.log" >&2; exit 1; }
callgrind_control -i on "$CONTROLLER_PID" >/dev/null
"$BIN/bench/throughput/controller_throughput" --controller="127.0.0.1:$(cat "$WORK/controller.port")" \
  --table="$TABLE" --workers="$WORKERS" --budget="$BUDGET" | tee "$WORK/run.json" >&2
kill -TERM "$CONTROLLER_PID"; wait "$CONTROLLER_PID" || true; CONTROLLER_PID=""
mkdir -p "$RESULTS"
# Self cost (where instructions are spent), then inclusive cost of the
# project's own functions (which call paths spend them).
callgrind_annotate "$WORK"/callgrind.out* >"$WORK/self.txt" 2>/dev/null
callgrind_annotate --inclusive=yes "$WORK"/callgrind.out* >"$WORK/inclusive.txt" 2>/dev/null
[ -n "${PROFILE_KEEP:-}" ] && cp "$WORK/self.txt" "$WORK/inclusive.txt" "$PROFILE_KEEP/"
costs() { grep -E '^ *[0-9,]+ \(' "$1" | grep -v 'PROGRAM TOTALS' | sed -E 's/ \[[^]]*\]$//' || true; }
{
  echo "# controller under callgrind: N=$WORKERS simulated workers, $BUDGET evaluations"
  echo "## self"
  costs "$WORK/self.txt" | head -40
  echo "## inclusive, nas:: functions"
  costs "$WORK/inclusive.txt" | grep -E '\?\?\?:nas::' | grep -v 'WorkerService::Service::Service' |
    sed -E 's/\(pqxx::transaction<[^)]*\)[^)]*\)[^)]*\)/(txn)/g' | head -40
} | cut -c1-240 >"$RESULTS/controller_profile.txt"
/usr/bin/python3 bench/report.py profile --annotate="$RESULTS/controller_profile.txt" \
  --params="workers=$WORKERS budget=$BUDGET tool=callgrind" --out="$RESULTS/controller_profile.json"
echo "wrote $RESULTS/controller_profile.{txt,json}" >&2
