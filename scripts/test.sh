#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs the Debian
# packages, starts a throwaway PostgreSQL on loopback, runs `bazel test //...`
# against it, then scripts/check_libtorch2.sh (the training code against LibTorch
# 2.x), and ends with the line `N passed, N failed` (test cases).
# Exit status 0 only if everything built and passed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

bash scripts/install_deps.sh || { echo "0 passed, 1 failed"; exit 1; }

SHARED_DATA=${NAS_SHARED_DATA:-$(cd "$ROOT/../shared/data" 2>/dev/null && pwd)}
if [ -z "$SHARED_DATA" ] || [ ! -d "$SHARED_DATA" ]; then
  echo "test.sh: ../shared/data not found beside the project (set NAS_SHARED_DATA)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

PG_DIR=$(mktemp -d /tmp/nas-test-pg.XXXXXX)
cleanup() { bash scripts/throwaway_pg.sh stop "$PG_DIR"; }
trap cleanup EXIT
PG_DSN=$(bash scripts/throwaway_pg.sh start "$PG_DIR") || { echo "0 passed, 1 failed"; exit 1; }
echo "test PostgreSQL: $PG_DSN"

bazel test //... --keep_going \
  --test_env=NAS_TEST_PG_DSN="$PG_DSN" \
  --test_env=NAS_SHARED_DATA="$SHARED_DATA" \
  --test_env=NAS_NODE_MODULES="${NAS_NODE_MODULES:-$HOME/.cache/nas-npm/node_modules}" \
  "$@"
bazel_status=$?

# Count test cases from each target's JUnit XML; a target without one (it did
# not build, or crashed before writing it) counts as one failure.
passed=0; failed=0
for target in $(bazel query 'tests(//...)' 2>/dev/null); do
  rel=${target#//}; rel=${rel/://}
  xml="bazel-testlogs/$rel/test.xml"
  if [ ! -f "$xml" ]; then failed=$((failed + 1)); echo "no result: $target" >&2; continue; fi
  read -r t f e < <(python3 - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) for s in suites)
e = sum(int(s.get("errors", 0)) for s in suites)
if t == 0 and root.get("tests"): t, f, e = int(root.get("tests")), int(root.get("failures", 0)), int(root.get("errors", 0))
print(t, f, e)
PY
)
  bad=$((f + e))
  if [ "$t" -eq 0 ]; then bad=1; t=1; fi
  passed=$((passed + t - bad)); failed=$((failed + bad))
done
if [ "$bazel_status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi

# LibTorch 2.x, one check more: the training code built against Debian 13's
# LibTorch 2.6 and run, in a throwaway Debian 13 root (about 10 minutes the
# first time). NAS_LIBTORCH2_CHECK=0 leaves it out of a quick local run.
if [ "${NAS_LIBTORCH2_CHECK:-1}" != 0 ]; then
  log=$(mktemp /tmp/nas-libtorch2-check.XXXXXX.log)
  if bash scripts/check_libtorch2.sh >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "passed: scripts/check_libtorch2.sh ($(tail -n 1 "$log"))"
  else
    failed=$((failed + 1))
    tail -n 40 "$log" >&2
    echo "failed: scripts/check_libtorch2.sh (log: $log)" >&2
  fi
else
  echo "test.sh: NAS_LIBTORCH2_CHECK=0: LibTorch 2.x check left out" >&2
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$bazel_status" -eq 0 ]
