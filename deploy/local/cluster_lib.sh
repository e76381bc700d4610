# Shell functions that start and stop a one-machine cluster: a throwaway
# PostgreSQL, one controller and N workers, all on loopback. Sourced by the
# quick start and the benchmarks.
#   source deploy/local/cluster_lib.sh
#   cluster_start WORKERS [WORKER_FLAGS...]   sets CLUSTER_DSN, CLUSTER_ADDR, CLUSTER_HTTP
#                                             (the dashboard's URL), CLUSTER_LOGS
# The controller's HTTP endpoint listens on CLUSTER_HTTP_LISTEN (default
# 127.0.0.1:0, a free port).
#   cluster_stop                              (installed as the EXIT trap)
# Logs of every process are kept in one folder, .run/logs/<time>/ (under
# CLUSTER_LOG_ROOT instead when set), after the cluster stops; the database is
# thrown away.

cluster_start() {
  local workers=$1; shift
  local root; root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  # Callers may point CLUSTER_BIN at another output tree (bazel info -c opt bazel-bin).
  CLUSTER_BIN=${CLUSTER_BIN:-$root/bazel-bin}
  CLUSTER_ROOT=$root
  CLUSTER_DIR=$(mktemp -d /tmp/nas-cluster.XXXXXX)
  chmod 755 "$CLUSTER_DIR"  # The PostgreSQL server runs as its own user.
  CLUSTER_LOGS="${CLUSTER_LOG_ROOT:-$root/.run/logs}/$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$CLUSTER_LOGS"
  CLUSTER_PIDS=()
  trap cluster_stop EXIT
  trap 'echo; echo "interrupted"; exit 130' INT TERM

  CLUSTER_DSN=$(bash "$root/scripts/throwaway_pg.sh" start "$CLUSTER_DIR/pg")
  "$CLUSTER_BIN/controller/nas_controller" --database="$CLUSTER_DSN" --listen=127.0.0.1:0 \
    --port_file="$CLUSTER_DIR/controller.port" \
    --http_listen="${CLUSTER_HTTP_LISTEN:-127.0.0.1:0}" --http_port_file="$CLUSTER_DIR/http.port" \
    >"$CLUSTER_LOGS/controller.log" 2>&1 &
  CLUSTER_PIDS+=($!)
  # The controller renames the port file into place once it serves; stop
  # waiting early if it exited instead.
  for _ in $(seq 300); do
    [ -s "$CLUSTER_DIR/controller.port" ] && break
    kill -0 "${CLUSTER_PIDS[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  if [ ! -s "$CLUSTER_DIR/controller.port" ]; then cat "$CLUSTER_LOGS/controller.log" >&2; return 1; fi
  CLUSTER_ADDR="127.0.0.1:$(cat "$CLUSTER_DIR/controller.port")"
  # Written just after the gRPC port file.
  for _ in $(seq 50); do [ -s "$CLUSTER_DIR/http.port" ] && break; sleep 0.1; done
  CLUSTER_HTTP="http://127.0.0.1:$(cat "$CLUSTER_DIR/http.port")/"

  # The workers share the machine's cores with each other, the controller and
  # PostgreSQL. LibTorch's OpenMP threads spin-wait between parallel regions
  # by default, and on shared cores that slowed training many times over;
  # passive waiting is the default here unless the caller set a policy.
  local threads=$(( $(nproc) / workers )); [ "$threads" -ge 1 ] || threads=1
  for i in $(seq "$workers"); do
    OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} "$CLUSTER_BIN/worker/nas_worker" \
      --controller="$CLUSTER_ADDR" --worker_id="worker-$i" --threads="$threads" --device=auto \
      "$@" >"$CLUSTER_LOGS/worker-$i.log" 2>&1 &
    CLUSTER_PIDS+=($!)
  done
  echo "cluster: PostgreSQL $CLUSTER_DSN, controller $CLUSTER_ADDR, $workers worker(s) x $threads thread(s)"
  echo "dashboard: $CLUSTER_HTTP"
  echo "logs: $CLUSTER_LOGS"
}

cluster_stop() {
  trap - EXIT INT TERM
  for pid in "${CLUSTER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${CLUSTER_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ -n "${CLUSTER_DIR:-}" ]; then
    cp "$CLUSTER_DIR/pg/server.log" "$CLUSTER_LOGS/postgres.log" 2>/dev/null || true
    bash "$CLUSTER_ROOT/scripts/throwaway_pg.sh" stop "$CLUSTER_DIR/pg" || true
    rm -rf "$CLUSTER_DIR"
  fi
  echo "stopped controller, workers and PostgreSQL; logs in ${CLUSTER_LOGS:-}"
}
