#!/usr/bin/env bash
# NASH on Fashion-MNIST through the real service (PostgreSQL, controller, two
# workers): start net, each step's best, the final net, wall time.
# Writes bench/results/nash_fashion_mnist.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash scripts/install_deps.sh
bazel build -c opt --noshow_progress --ui_event_filters=-info //controller:nas_controller \
  //worker:nas_worker //controller/cli:nasctl
CLUSTER_BIN=$(bazel info -c opt bazel-bin 2>/dev/null)
export CLUSTER_BIN
source deploy/local/cluster_lib.sh
cluster_start 2 --job_kinds=train_morphed
SPEC=deploy/specs/nash_fashion_mnist.textproto
start=$(date +%s)
"$CLUSTER_BIN/controller/cli/nasctl" --controller="$CLUSTER_ADDR" submit "$SPEC" --watch >/dev/null
wall=$(( $(date +%s) - start ))
N=$(sed -n 's/^ *n_neighbours: *\([0-9]*\).*/\1/p' "$SPEC")
mkdir -p bench/results
{
  echo "# NASH on Fashion-MNIST ($SPEC)"
  echo
  echo "Through the real controller, two CPU workers and PostgreSQL; validation accuracy on 1,000 held-out"
  echo "training images. Wall time for the whole search: ${wall} s."
  echo
  echo "| stage | individuals | best validation accuracy | parameters of the best | architecture of the best |"
  echo "| --- | --- | --- | --- | --- |"
  psql "$CLUSTER_DSN" -At -F '|' -c "
    WITH staged AS (
      SELECT i.*, CASE WHEN birth_order = 0 THEN 0
                       WHEN birth_order > (SELECT max(birth_order) - 1 FROM individuals) THEN 999
                       ELSE (birth_order - 1) / $N + 1 END AS stage
      FROM individuals i WHERE state = 'evaluated')
    SELECT DISTINCT ON (stage)
      CASE stage WHEN 0 THEN 'start' WHEN 999 THEN 'final' ELSE 'step ' || stage END,
      (SELECT count(*) FROM staged s2 WHERE s2.stage = s.stage),
      round(fitness::numeric, 4), parameter_count, genome
    FROM staged s ORDER BY stage, fitness DESC" |
    awk -F'|' '{printf "| %s | %s | %s | %s | `%s` |\n", $1, $2, $3, $4, $5}'
} > bench/results/nash_fashion_mnist.md
cat bench/results/nash_fashion_mnist.md
