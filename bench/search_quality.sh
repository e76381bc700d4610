#!/usr/bin/env bash
# Aging evolution and local search vs random search on NAS-Bench-201 through the real service:
# a throwaway PostgreSQL, one controller, two table-lookup workers.
# Writes bench/results/search_quality.md.   Usage: bench/search_quality.sh [SEEDS=100]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SEEDS=${1:-100}
TABLE=$(cd "$ROOT/../shared/data/nasbench201" && pwd)/nb201_cifar10_test_acc.csv

bash scripts/install_deps.sh
bazel build -c opt --noshow_progress --ui_event_filters=-info //controller:nas_controller \
  //worker:nas_worker //bench/search_quality:search_quality
CLUSTER_BIN=$(bazel info -c opt bazel-bin 2>/dev/null)
export CLUSTER_BIN
source deploy/local/cluster_lib.sh
cluster_start 2 --job_kinds=table_lookup --threads=1
mkdir -p bench/results
"$CLUSTER_BIN/bench/search_quality/search_quality" --controller="$CLUSTER_ADDR" \
  --table="$TABLE" --seeds="$SEEDS" --out=bench/results/search_quality.md
