#!/usr/bin/env bash
# DARTS and PC-DARTS on Fashion-MNIST through the real service (PostgreSQL,
# controller, one CPU worker), each compared with random architectures of the
# same space at equal budget: random search gets as many candidates, trained
# exactly as the derived cell's retrain is, as fit in the supernet search's
# time plus its retrain (rounded, at least 2). Writes
# bench/results/supernet_fashion_mnist.md and .json.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash scripts/install_deps.sh
bazel build --noshow_progress --ui_event_filters=-info //controller:nas_controller \
  //worker:nas_worker //controller/cli:nasctl
source deploy/local/cluster_lib.sh
# One thread, waiting passively: OpenMP threads that spin-wait for each other slow
# down many times over when the cores are shared with other work.
export OMP_WAIT_POLICY=PASSIVE
cluster_start 1 --threads=1
NASCTL="$CLUSTER_BIN/controller/cli/nasctl"
q() { psql "$CLUSTER_DSN" -At -c "$1"; }

rows=()
json=()
for method in darts pc_darts; do
  spec=deploy/specs/${method}_fashion_mnist.textproto
  "$NASCTL" --controller="$CLUSTER_ADDR" submit "$spec" --watch >/dev/null
  sid=$(q "SELECT max(id) FROM searches")
  search_s=$(q "SELECT round(value::numeric, 1) FROM individual_metrics m JOIN individuals i
                ON i.id = m.individual_id WHERE i.search_id = $sid AND i.birth_order = 0
                AND m.name = 'search_seconds'")
  # The supernet's cost as epochs x its median epoch, so that one epoch slowed
  # by other work on the machine does not buy random search extra candidates.
  steady_s=$(q "WITH e AS (
                  SELECT e.reported_at - COALESCE(lag(e.reported_at) OVER (ORDER BY e.epoch),
                                                  a.leased_at) AS d
                  FROM job_epochs e JOIN jobs j ON j.id = e.job_id
                  JOIN job_attempts a ON a.job_id = e.job_id AND a.attempt = e.attempt
                  WHERE j.search_id = $sid)
                SELECT round((extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY d))
                              * count(*))::numeric, 1) FROM e")
  supernet_acc=$(q "SELECT round(fitness::numeric, 4) FROM individuals
                    WHERE search_id = $sid AND birth_order = 0")
  retrain_acc=$(q "SELECT round(fitness::numeric, 4) FROM individuals
                   WHERE search_id = $sid AND birth_order = 1")
  retrain_s=$(q "SELECT round(value::numeric, 1) FROM individual_metrics m JOIN individuals i
                 ON i.id = m.individual_id WHERE i.search_id = $sid AND i.birth_order = 1
                 AND m.name = 'train_seconds'")
  params=$(q "SELECT parameter_count FROM individuals WHERE search_id = $sid AND birth_order = 1")
  cell=$(q "SELECT genome FROM individuals WHERE search_id = $sid AND birth_order = 1")
  epochs=$(q "SELECT count(*) FROM job_epochs e JOIN jobs j ON j.id = e.job_id
              WHERE j.search_id = $sid")
  # Equal budget: the supernet's steady time plus its retrain, in candidate trainings.
  budget=$(awk -v s="$steady_s" -v r="$retrain_s" 'BEGIN { n = int((s + r) / r + 0.5); print (n < 2 ? 2 : n) }')
  random_spec=$(mktemp)
  sed -e '/^strategy {/,/^}/c\strategy { random {} }' -e "s/^budget: .*/budget: $budget/" \
      -e 's/^name: .*/name: "random search at the supernet'"'"'s budget"/' "$spec" >"$random_spec"
  "$NASCTL" --controller="$CLUSTER_ADDR" submit "$random_spec" --watch >/dev/null
  rid=$(q "SELECT max(id) FROM searches")
  random_best=$(q "SELECT round(max(fitness)::numeric, 4) FROM individuals
                   WHERE search_id = $rid AND state = 'evaluated'")
  random_median=$(q "SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY fitness))::numeric, 4)
                     FROM individuals WHERE search_id = $rid AND state = 'evaluated'")
  random_s=$(q "SELECT round(sum(value)::numeric, 1) FROM individual_metrics m JOIN individuals i
                ON i.id = m.individual_id WHERE i.search_id = $rid AND m.name = 'train_seconds'")
  rm -f "$random_spec"
  label=$([ "$method" = darts ] && echo "DARTS" || echo "PC-DARTS (K=4)")
  rows+=("| $label | $epochs | $search_s ($steady_s) | $supernet_acc | $retrain_acc | $retrain_s | $params | $budget | $random_s | $random_best | $random_median |")
  json+=("{\"method\": \"$label\", \"supernet_epochs\": $epochs, \"search_seconds\": $search_s, \"search_seconds_at_median_epoch\": $steady_s, \"supernet_valid_accuracy\": $supernet_acc, \"derived_retrained_accuracy\": $retrain_acc, \"retrain_seconds\": $retrain_s, \"derived_parameters\": $params, \"derived_cell\": \"$cell\", \"random_candidates\": $budget, \"random_seconds\": $random_s, \"random_best_accuracy\": $random_best, \"random_median_accuracy\": $random_median}")
done

mkdir -p bench/results
{
  echo "# DARTS and PC-DARTS vs random architectures on Fashion-MNIST"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) CPU cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), one worker with 1 thread."
  echo "Specs: \`deploy/specs/darts_fashion_mnist.textproto\`, \`deploy/specs/pc_darts_fashion_mnist.textproto\`"
  echo "(1,200 training images, split in halves for weights and architecture; 600 held-out validation images)."
  echo "Random search uses the same space, the same training as the retrain, and as many candidates as fit"
  echo "in the supernet's search time (epochs x its median epoch, in parentheses) plus its retrain. Accuracies are"
  echo "on the validation images; times in seconds (wall, on a machine shared with other work)."
  echo
  echo "| method | epochs reported | search s | supernet val acc | derived cell retrained | retrain s | parameters | random candidates | random s | random best | random median |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
} > bench/results/supernet_fashion_mnist.md
(IFS=,; echo "{\"benchmark\": \"supernet_fashion_mnist\", \"date\": \"$(date -u +%FT%TZ)\", \"cores\": $(nproc), \"results\": [${json[*]}]}") \
  > bench/results/supernet_fashion_mnist.json
cat bench/results/supernet_fashion_mnist.md
