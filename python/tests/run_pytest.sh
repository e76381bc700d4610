#!/usr/bin/env bash
# //python:client_test: nas_client's pytest suite, from the runfiles tree
# (nas_client's sources beside its generated stubs, the binaries the tests
# start). Needs NAS_TEST_PG_DSN and NAS_SHARED_DATA, as every e2e test.
set -euo pipefail
ROOT="$TEST_SRCDIR/${TEST_WORKSPACE:-nas}"
cd "$ROOT"
export PYTHONPATH="$ROOT/python" NAS_BIN_ROOT="$ROOT"
exec /usr/bin/python3 -m pytest -p no:cacheprovider -v python/tests --junitxml="$XML_OUTPUT_FILE"
