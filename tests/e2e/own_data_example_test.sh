#!/usr/bin/env bash
# The documented own-data path (deploy/examples/own_data/run.sh, shown in
# docs/your_data.md) end to end with the built binaries: a tensor file from
# Python, a search on it, the export, and Python classifying images the search
# never saw with the exported model alone. It must learn (accuracy well above
# the 0.1 of chance) and name the classes.
set -euo pipefail
ROOT="$TEST_SRCDIR/nas"
export CLUSTER_BIN="$ROOT" CLUSTER_LOG_ROOT="$TEST_TMPDIR/logs"
out=$(bash "$ROOT/deploy/examples/own_data/run.sh" 2>&1) || {
  echo "$out"; cat "$CLUSTER_LOG_ROOT"/*/*.log 2>/dev/null | tail -50; exit 1; }
echo "$out"
accuracy=$(echo "$out" | sed -n 's/^accuracy on [0-9]* images the search never saw: //p')
[ -n "$accuracy" ] || { echo "FAIL: no accuracy line"; exit 1; }
/usr/bin/python3 -c "import sys; sys.exit(0 if float('$accuracy') > 0.5 else 1)" ||
  { echo "FAIL: accuracy $accuracy is not above 0.5"; exit 1; }
echo "$out" | grep -q "predicted '\(T-shirt/top\|Trouser\|Pullover\|Dress\|Coat\|Sandal\|Shirt\|Sneaker\|Bag\|Ankle boot\)'" ||
  { echo "FAIL: the exported model does not name Fashion-MNIST's classes"; exit 1; }
echo "PASS: accuracy $accuracy"
