#!/usr/bin/env bash
# TF-NAS on Fashion-MNIST through the real service (PostgreSQL, controller,
# one CPU worker): the latency table the worker measures, the target, and the
# derived architecture's predicted and measured latency and accuracy.
# Writes bench/results/tfnas_fashion_mnist.md and .json.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash scripts/install_deps.sh
bazel build --noshow_progress --ui_event_filters=-info //controller:nas_controller \
  //worker:nas_worker //controller/cli:nasctl
source deploy/local/cluster_lib.sh
cluster_start 1 --threads=2
NASCTL="$CLUSTER_BIN/controller/cli/nasctl"
q() { psql "$CLUSTER_DSN" -At -c "$1"; }
SPEC=deploy/specs/tfnas_fashion_mnist.textproto
"$NASCTL" --controller="$CLUSTER_ADDR" submit "$SPEC" --watch
sid=$(q "SELECT max(id) FROM searches")
metric() {  # birth order, metric name
  q "SELECT round(value::numeric, 4) FROM individual_metrics m JOIN individuals i
     ON i.id = m.individual_id WHERE i.search_id = $sid AND i.birth_order = $1 AND m.name = '$2'"
}
device=$(q "SELECT device FROM latency_tables LIMIT 1")
blocks=$(metric 0 table_blocks | cut -d. -f1); measure_s=$(metric 0 measure_seconds)
target=$(metric 1 target_latency_ms); predicted=$(metric 1 predicted_latency_ms)
measured=$(metric 1 measured_latency_ms); fastest=$(metric 1 table_fastest_ms)
slowest=$(metric 1 table_slowest_ms); acc=$(metric 1 supernet_valid_accuracy)
search_s=$(metric 1 search_seconds)
params=$(q "SELECT parameter_count FROM individuals WHERE search_id = $sid AND birth_order = 1")
genome=$(q "SELECT genome FROM individuals WHERE search_id = $sid AND birth_order = 1")
epochs=$(q "SELECT count(*) FROM job_epochs e JOIN jobs j ON j.id = e.job_id WHERE j.search_id = $sid")
mkdir -p bench/results
{
  echo "# TF-NAS on Fashion-MNIST ($SPEC)"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) CPU cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), one worker with 2 threads (device \`$device\`)."
  echo "2,000 training images (halves for weights and architecture), 1,000 held-out validation images."
  echo
  echo "| latency table | space range (table) | target | derived: predicted | derived: measured on the worker | supernet val acc | epochs | search s | parameters |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  echo "| $blocks blocks in $measure_s s | $fastest .. $slowest ms | $target ms | $predicted ms | $measured ms | $acc | $epochs | $search_s | $params |"
  echo
  echo "Derived architecture: \`$genome\`"
} > bench/results/tfnas_fashion_mnist.md
cat > bench/results/tfnas_fashion_mnist.json <<JSON
{"benchmark": "tfnas_fashion_mnist", "date": "$(date -u +%FT%TZ)", "cores": $(nproc), "device": "$device",
 "table_blocks": $blocks, "measure_seconds": $measure_s, "table_fastest_ms": $fastest, "table_slowest_ms": $slowest,
 "target_latency_ms": $target, "predicted_latency_ms": $predicted, "measured_latency_ms": $measured,
 "supernet_valid_accuracy": $acc, "epochs": $epochs, "search_seconds": $search_s, "parameters": $params,
 "architecture": "$genome"}
JSON
cat bench/results/tfnas_fashion_mnist.md
