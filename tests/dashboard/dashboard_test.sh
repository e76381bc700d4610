#!/usr/bin/env bash
# The dashboard in a real browser against a real controller: creates a fresh
# database on the test PostgreSQL, starts nas_controller with its HTTP server
# on loopback, and runs browser_test.mjs (which starts the worker, submits
# searches and drives chromium).
#   dashboard_test.sh BROWSER_TEST.mjs NAS_CONTROLLER NAS_WORKER
set -euo pipefail
browser_test=$1 controller=$2 worker=$3
for name in NAS_TEST_PG_DSN NAS_SHARED_DATA NAS_NODE_MODULES; do
  if [ -z "${!name:-}" ]; then echo "$name is not set: run tests through scripts/test.sh" >&2; exit 2; fi
done
[ -d "$NAS_NODE_MODULES/puppeteer-core" ] ||
  { echo "no puppeteer-core in $NAS_NODE_MODULES: run scripts/install_deps.sh" >&2; exit 2; }
work=${TEST_TMPDIR:-$(mktemp -d)}
db="dash_$$_$RANDOM"
psql "$NAS_TEST_PG_DSN" -qc "CREATE DATABASE $db" >/dev/null
controller_pid=""
cleanup() {
  for pid in $controller_pid ${secure_pid:-}; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  psql "$NAS_TEST_PG_DSN" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
}
trap cleanup EXIT

"$controller" --database="$NAS_TEST_PG_DSN dbname=$db" --listen=127.0.0.1:0 \
  --port_file="$work/grpc.port" --http_listen=127.0.0.1:0 --http_port_file="$work/http.port" \
  --reclaim_interval_ms=500 >"$work/controller.log" 2>&1 &
controller_pid=$!
# Both port files appear once the controller serves (it migrates the fresh
# database first: seconds on a loaded machine).
for _ in $(seq 600); do
  [ -s "$work/grpc.port" ] && [ -s "$work/http.port" ] && break
  if ! kill -0 "$controller_pid" 2>/dev/null; then
    echo "the controller exited before serving; its log:" >&2; tail -30 "$work/controller.log" >&2; exit 1
  fi
  sleep 0.1
done
[ -s "$work/http.port" ] || { echo "the controller did not serve within 60 s" >&2; tail -30 "$work/controller.log" >&2; exit 1; }

# A second controller on the same database with client tokens (which need
# TLS): the dashboard must ask for a token, and work once given one.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$work/server.key" -out "$work/server.pem" 2>/dev/null
token="dashboard-test-token-$RANDOM$RANDOM"
echo "$token" >"$work/client_tokens"
"$controller" --database="$NAS_TEST_PG_DSN dbname=$db" --listen=127.0.0.1:0 \
  --port_file="$work/grpc_tls.port" --http_listen=127.0.0.1:0 --http_port_file="$work/https.port" \
  --tls_cert_file="$work/server.pem" --tls_key_file="$work/server.key" \
  --client_tokens_file="$work/client_tokens" >"$work/controller_tls.log" 2>&1 &
secure_pid=$!
for _ in $(seq 600); do [ -s "$work/https.port" ] && break; sleep 0.1; done
[ -s "$work/https.port" ] || { echo "the TLS controller did not serve" >&2; tail -30 "$work/controller_tls.log" >&2; exit 1; }

status=0
SECURE_URL="https://127.0.0.1:$(cat "$work/https.port")" DASH_TOKEN="$token" \
DASH_URL="http://127.0.0.1:$(cat "$work/http.port")" CONTROLLER_ADDR="127.0.0.1:$(cat "$work/grpc.port")" \
  WORKER_BIN="$worker" node "$browser_test" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- controller log (tail) ---" >&2; tail -40 "$work/controller.log" >&2
  [ -f "$work/worker.log" ] && { echo "--- worker log (tail) ---" >&2; tail -20 "$work/worker.log" >&2; }
fi
exit "$status"
