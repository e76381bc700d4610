#!/usr/bin/env bash
# History stays fast as it grows: in one throwaway database, a small search
# (1,000 individuals) and a large one (100,000, bulk-written history), then the
# median and p99 of GetSearch, GetBestIndividual, a ListIndividuals page, a
# lineage and a report's step (lease + report) on each, side by side
# (bench/history/history_bench.cc). Writes bench/results/history.json.
#   bench/history.sh            100,000 individuals, 200 calls each
#   QUICK=1 bench/history.sh    10,000 individuals, 50 calls each (a smoke run), into bench/results/quick/
# Other knobs (env): SMALL, LARGE, REPEATS, BENCH_OUT.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if [ "${QUICK:-0}" = 1 ]; then
  LARGE=${LARGE:-10000}; REPEATS=${REPEATS:-50}; BENCH_OUT=${BENCH_OUT:-bench/results/quick/history.json}
fi
SMALL=${SMALL:-1000}
LARGE=${LARGE:-100000}
REPEATS=${REPEATS:-200}
OUT=${BENCH_OUT:-bench/results/history.json}

bazel build -c opt --noshow_progress --ui_event_filters=-info //bench/history:history_bench
BIN=$(bazel info -c opt bazel-bin 2>/dev/null)
WORK=$(mktemp -d /tmp/nas-history.XXXXXX)
chmod 755 "$WORK"
cleanup() {
  bash scripts/throwaway_pg.sh stop "$WORK/pg" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
DSN=$(bash scripts/throwaway_pg.sh start "$WORK/pg")
mkdir -p "$(dirname "$OUT")"
"$BIN/bench/history/history_bench" --database="$DSN" --small="$SMALL" --large="$LARGE" \
  --repeats="$REPEATS" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
json.dump(r, open(sys.argv[1], "w"), indent=2)
ops = ["get_search", "get_best", "list_individuals_page", "lineage_11_deep", "step_lease_and_report"]
print("%-24s %22s %22s" % ("p50 / p99 ms", "small (%d)" % r["small"]["individuals"],
                           "large (%d)" % r["large"]["individuals"]))
for op in ops:
    s, l = r["small"][op], r["large"][op]
    print("%-24s %10.2f / %-9.2f %10.2f / %-9.2f" % (op, s["p50_ms"], s["p99_ms"], l["p50_ms"], l["p99_ms"]))
' "$OUT"
echo "wrote $OUT" >&2
