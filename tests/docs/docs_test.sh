#!/usr/bin/env bash
# Runs one check of tests/docs/check_docs.py on the source tree.
#   docs_test.sh commands CHECKER README
#   docs_test.sh sql CHECKER README      (needs NAS_TEST_PG_DSN, as scripts/test.sh sets)
# README is README.md's runfile: its real path leads to the source tree, whose
# scripts, tests and migrations are read in place (the test is tagged
# "external" so that Bazel runs it again rather than trusting a cached pass).
set -euo pipefail
mode=$1 checker=$2 readme=$3
root=$(dirname "$(readlink -f "$readme")")
case "$mode" in
  commands) exec /usr/bin/python3 "$checker" commands "$root" ;;
  sql)
    if [ -z "${NAS_TEST_PG_DSN:-}" ]; then
      echo "environment variable NAS_TEST_PG_DSN is not set: run tests through scripts/test.sh" >&2
      exit 1
    fi
    exec /usr/bin/python3 "$checker" sql "$root" "$NAS_TEST_PG_DSN" ;;
  *) echo "usage: $0 commands|sql CHECKER README" >&2; exit 2 ;;
esac
