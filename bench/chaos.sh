#!/usr/bin/env bash
# Chaos benchmark: at least 100 SIGKILLs of workers and of the controllers
# they use, at moments chosen from what the database shows (a lease held, an
# epoch under way, a report due), and PostgreSQL crash-restarts, while
# searches of every kind run (table lookup, training, NASH, supernet); then
# every search's invariants. Writes bench/results/chaos.json and chaos.md.
#   bench/chaos.sh            100 kills, 4 PostgreSQL crash-restarts
#   QUICK=1 bench/chaos.sh    12 kills, 1 restart; writes bench/results/quick/
# Replay a fault plan: CHAOS_SEED=<seed printed by a run> (timing is not replayed).
# Not part of the test suite (tests/e2e/chaos_test is its CI-sized sibling).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
QUICK=${QUICK:-0}
RESULTS=${BENCH_RESULTS:-bench/results}
KILLS=100 RESTARTS=4
if [ "$QUICK" = 1 ]; then
  KILLS=12 RESTARTS=1
  [ -z "${BENCH_RESULTS:-}" ] && RESULTS=bench/results/quick
fi
mkdir -p "$RESULTS"

# Fault counts do not depend on the optimisation level: the default build.
bazel build --noshow_progress --ui_event_filters=-info //controller:nas_controller \
  //worker:nas_worker //controller/cli:nasctl
WORK=$(mktemp -d /tmp/nas-chaos.XXXXXX)
chmod 755 "$WORK"  # The PostgreSQL server may run as its own user.
status=0
/usr/bin/python3 bench/chaos/chaos.py --bin="$(bazel info bazel-bin 2>/dev/null)" --work="$WORK" \
  --kills="$KILLS" --pg_restarts="$RESTARTS" ${CHAOS_SEED:+--seed="$CHAOS_SEED"} \
  $([ "$QUICK" = 1 ] && echo --quick) \
  --out_json="$RESULTS/chaos.json" --out_md="$RESULTS/chaos.md" || status=$?
echo "logs: $WORK/logs" >&2
exit $status
