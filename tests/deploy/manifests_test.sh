#!/usr/bin/env bash
# The Kubernetes manifests validate against the Kubernetes schema, and the
# validator really rejects a broken manifest.
set -euo pipefail
validator=$1; shift
node "$validator" "$@"
broken="${TEST_TMPDIR:-/tmp}/broken"
mkdir -p "$broken"
for f in "$@"; do sed 's/replicas: 2/replicas: "two"/' "$f" >"$broken/$(basename "$f")"; done
if node "$validator" "$broken"/*.yaml >/dev/null 2>&1; then
  echo "FAIL: a Deployment with replicas: \"two\" passed validation" >&2
  exit 1
fi
echo "broken manifest rejected as expected"
