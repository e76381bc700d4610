# Sourced from the project root by bench/throughput.sh and
# bench/throughput_profile.sh: builds the controller and the simulated workers
# (-c opt), makes $WORK, starts a throwaway PostgreSQL in $WORK/pg
# (scripts/throwaway_pg.sh's THROWAWAY_PG_* settings apply) and stops all of it
# on exit. Sets TABLE, BIN, WORK and PORT. start_controller DATABASE LOG starts
# nas_controller ($CONTROLLER_FLAGS) on that database and waits for its port:
# CONTROLLER_PID, and the port in $WORK/controller.port.
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

start_controller() {
  local db=$1 log=$2
  rm -f "$WORK/controller.port"
  # shellcheck disable=SC2086
  "$BIN/controller/nas_controller" --listen=127.0.0.1:0 --port_file="$WORK/controller.port" \
    --database="host=127.0.0.1 port=$PORT user=postgres dbname=$db" $CONTROLLER_FLAGS \
    >"$log" 2>&1 &
  CONTROLLER_PID=$!
  for _ in $(seq 300); do [ -s "$WORK/controller.port" ] && break; sleep 0.1; done
  [ -s "$WORK/controller.port" ] || { cat "$log" >&2; exit 1; }
}
