#!/usr/bin/env bash
# One machine, everything real: a throwaway PostgreSQL on loopback, one
# controller and N workers, then a search submitted with nasctl and watched to
# the end. Stops everything it started on exit, also on Ctrl-C.
#   deploy/local/run_local.sh [SPEC_FILE] [WORKERS]
# The dashboard's address is printed at the start; with KEEP_RUNNING=1 the
# cluster stays up after the search ends (to browse it) until Ctrl-C.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SPEC=${1:-deploy/specs/quickstart_fashion_mnist.textproto}
WORKERS=${2:-2}

bash scripts/install_deps.sh
echo "building controller, worker and nasctl ..."
bazel build --noshow_progress --ui_event_filters=-info //controller:nas_controller //worker:nas_worker //controller/cli:nasctl
source deploy/local/cluster_lib.sh
cluster_start "$WORKERS"
"$CLUSTER_BIN/controller/cli/nasctl" --controller="$CLUSTER_ADDR" submit "$SPEC" --watch
if [ "${KEEP_RUNNING:-0}" = 1 ]; then
  echo "search done; the cluster keeps running (dashboard: $CLUSTER_HTTP); Ctrl-C stops it"
  while true; do sleep 3600; done
fi
