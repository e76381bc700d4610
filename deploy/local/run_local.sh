#!/usr/bin/env bash
# One machine, everything real: a throwaway PostgreSQL on loopback, one
# controller and N workers, then a search submitted with nasctl and watched to
# the end. Stops everything it started on exit, also on Ctrl-C.
#   deploy/local/run_local.sh [SPEC_FILE] [WORKERS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SPEC=${1:-deploy/specs/quickstart_fashion_mnist.textproto}
WORKERS=${2:-2}

bash scripts/install_deps.sh
echo "building controller, worker and nasctl ..."
bazel build --noshow_progress --ui_event_filters=-info //controller:nas_controller //worker:nas_worker //controller/cli:nasctl
BIN="$ROOT/bazel-bin"

RUN_DIR=$(mktemp -d /tmp/nas-local.XXXXXX)
chmod 755 "$RUN_DIR"  # The PostgreSQL server runs as its own user.
PIDS=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  bash "$ROOT/scripts/throwaway_pg.sh" stop "$RUN_DIR/pg" || true
  echo "stopped controller, workers and PostgreSQL; logs were in $RUN_DIR (removed)"
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT
trap 'echo; echo "interrupted"; exit 130' INT TERM

DSN=$(bash scripts/throwaway_pg.sh start "$RUN_DIR/pg")
echo "PostgreSQL: $DSN"

"$BIN/controller/nas_controller" --database="$DSN" --listen=127.0.0.1:0 \
  --port_file="$RUN_DIR/controller.port" >"$RUN_DIR/controller.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 300); do [ -s "$RUN_DIR/controller.port" ] && break; sleep 0.1; done
[ -s "$RUN_DIR/controller.port" ] || { cat "$RUN_DIR/controller.log"; exit 1; }
ADDR="127.0.0.1:$(cat "$RUN_DIR/controller.port")"
echo "controller: $ADDR"

# One LibTorch thread per worker: the workers share the machine's cores.
CORES=$(nproc)
THREADS=$(( CORES / WORKERS )); [ "$THREADS" -ge 1 ] || THREADS=1
for i in $(seq "$WORKERS"); do
  "$BIN/worker/nas_worker" --controller="$ADDR" --worker_id="worker-$i" \
    --threads="$THREADS" --device=auto >"$RUN_DIR/worker-$i.log" 2>&1 &
  PIDS+=($!)
done
echo "workers: $WORKERS ($THREADS thread(s) each)"

"$BIN/controller/cli/nasctl" --controller="$ADDR" submit "$SPEC" --watch
