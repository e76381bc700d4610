#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback, for tests and the quick start.
#   scripts/throwaway_pg.sh start DIR   -> starts a server in DIR, prints its DSN
#   scripts/throwaway_pg.sh stop DIR    -> stops it and deletes DIR
#   scripts/throwaway_pg.sh restart DIR [DOWN_SECONDS]
#                                       -> crash-stops it, waits, starts it on the same port
# The server listens on 127.0.0.1 only, on a free port, with fsync off (its
# data is disposable). Works as root (runs the server as `postgres`) or as an
# ordinary user. THROWAWAY_PG_MAX_CONNECTIONS overrides max_connections (200);
# THROWAWAY_PG_EXTRA_OPTIONS adds server options (e.g. "-c shared_preload_libraries=pg_stat_statements").
# Commits are asynchronous (synchronous_commit=off) unless
# THROWAWAY_PG_SYNCHRONOUS_COMMIT=on: a crash-stop (restart) then loses the
# last commits, which a test of a restart must not allow, since a production
# server keeps every commit it acknowledged. THROWAWAY_PG_FSYNC=on turns fsync
# and full_page_writes on (a benchmark of a production-like server).
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$PG_BIN/initdb" ] || { echo "throwaway_pg: no PostgreSQL server found (install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|restart DIR" >&2; exit 2; }

case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    as_owner "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    for _ in 1 2 3 4 5; do
      port=$(free_port)
      echo "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=${THROWAWAY_PG_FSYNC:-off} -c full_page_writes=${THROWAWAY_PG_FSYNC:-off} -c synchronous_commit=${THROWAWAY_PG_SYNCHRONOUS_COMMIT:-off} -c max_connections=${THROWAWAY_PG_MAX_CONNECTIONS:-200} ${THROWAWAY_PG_EXTRA_OPTIONS:-}" >"$dir/options"
      if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -w -t 30 -l "$dir/server.log" \
           -o "$(cat "$dir/options")" start >/dev/null 2>&1; then
        echo "$port" >"$dir/port"
        echo "host=127.0.0.1 port=$port user=postgres dbname=postgres"
        exit 0
      fi
    done
    cat "$dir/server.log" >&2
    exit 1
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  restart)
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    sleep "${3:-0}"
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -w -t 30 -l "$dir/server.log" \
      -o "$(cat "$dir/options")" start >/dev/null
    ;;
  *)
    echo "usage: $0 start|stop|restart DIR" >&2; exit 2 ;;
esac
