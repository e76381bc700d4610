#!/usr/bin/env bash
# The user's path end to end on one machine: convert data to a tensor file,
# search on it, export the best network, classify images with it in Python.
# Builds what it needs unless CLUSTER_BIN points at built binaries (the test
# does that). Stops everything it started.
#   deploy/examples/own_data/run.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT"
if [ -z "${CLUSTER_BIN:-}" ]; then
  bazel build --noshow_progress --ui_event_filters=-info //controller:nas_controller \
    //worker:nas_worker //controller/cli:nasctl //worker/export:nas_export
fi
mkdir -p /tmp/nas-own-data
/usr/bin/python3 deploy/examples/own_data/make_tensor_file.py /tmp/nas-own-data/fashion.pt 3000
/usr/bin/python3 deploy/examples/own_data/make_tensor_file.py /tmp/nas-own-data/new_images.pt 500 test
source deploy/local/cluster_lib.sh
cluster_start 1
NASCTL="$CLUSTER_BIN/controller/cli/nasctl --controller=$CLUSTER_ADDR"
$NASCTL submit deploy/examples/own_data/own_data.textproto --watch
$NASCTL export --search=1 --out=/tmp/nas-own-data/model.pt
/usr/bin/python3 deploy/examples/own_data/classify.py /tmp/nas-own-data/model.pt /tmp/nas-own-data/new_images.pt
