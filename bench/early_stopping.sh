#!/usr/bin/env bash
# Early stopping (median rule) against the same search without it: one
# seeded aging-evolution search on the 8x8 digits through the real service
# (PostgreSQL, controller, one CPU worker, so both runs are deterministic),
# run twice, the second with early_stopping { median_stopping }. Reports the
# epochs and seconds spent training candidates, the wall time, the candidates
# stopped and the best fitness of each. Writes bench/results/early_stopping.json.
#   bench/early_stopping.sh                   budget 20, 4 epochs
#   BUDGET=12 EPOCHS=3 bench/early_stopping.sh
# CLUSTER_BIN=<bazel-bin> uses binaries already built instead of building -c opt.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUDGET=${BUDGET:-20}
EPOCHS=${EPOCHS:-4}
SEED=${SEED:-11}
DATA=${NAS_SHARED_DATA:-$ROOT/../shared/data}/digits/digits.csv.gz
OUT=${BENCH_OUT:-bench/results/early_stopping.json}
BINARIES="bazel -c opt"
if [ -z "${CLUSTER_BIN:-}" ]; then
  bazel build -c opt --noshow_progress --ui_event_filters=-info //controller:nas_controller \
    //worker:nas_worker //controller/cli:nasctl
  CLUSTER_BIN=$(bazel info -c opt bazel-bin 2>/dev/null)
else
  BINARIES="CLUSTER_BIN=$CLUSTER_BIN"
fi
export CLUSTER_BIN
source deploy/local/cluster_lib.sh
cluster_start 1 --job_kinds=train_candidate
SPECS=$(mktemp -d /tmp/nas-early-stopping.XXXXXX)

spec() {  # EARLY_STOPPING_TEXT
  cat <<SPEC
name: "early stopping bench"
space { darts_cell { nodes: 2 } }
strategy { aging_evolution { population_size: 6 sample_size: 3 } }
budget: $BUDGET
seed: $SEED
training { epochs: $EPOCHS batch_size: 64 learning_rate: 0.05 momentum: 0.9 weight_decay: 0.0003 init_channels: 4 cells: 3 }
dataset { format: DIGITS_CSV path: "$DATA" train_examples: 600 validation_examples: 300 }
$1
SPEC
}

run() {  # NAME EARLY_STOPPING_TEXT: prints the run's JSON object
  spec "$2" > "$SPECS/$1.textproto"
  local start id
  start=$(date +%s.%N)
  "$CLUSTER_BIN/controller/cli/nasctl" --controller="$CLUSTER_ADDR" submit "$SPECS/$1.textproto" \
    --watch >/dev/null
  local wall
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  id=$(psql "$CLUSTER_DSN" -At -c "SELECT max(id) FROM searches")
  psql "$CLUSTER_DSN" -At -c "
    SELECT json_build_object(
      'search_id', $id, 'wall_seconds', round($wall::numeric, 1),
      'evaluations', count(*) FILTER (WHERE i.state = 'evaluated'),
      'stopped', count(*) FILTER (WHERE i.stop_reason IS NOT NULL),
      'epochs_trained', sum(m.epochs),
      'epochs_without_stopping', count(*) FILTER (WHERE i.state = 'evaluated') * $EPOCHS,
      'train_seconds', round(sum(m.seconds)::numeric, 1),
      'best_fitness', max(i.fitness),
      'mean_fitness_of_full_runs', round(avg(i.fitness) FILTER (WHERE i.stop_reason IS NULL)::numeric, 4))
    FROM individuals i JOIN LATERAL (
      SELECT sum(value) FILTER (WHERE name = 'epochs_trained') AS epochs,
             sum(value) FILTER (WHERE name = 'train_seconds') AS seconds
      FROM individual_metrics WHERE individual_id = i.id) m ON true
    WHERE i.search_id = $id"
}

without=$(run without "")
with=$(run with "early_stopping { median_stopping { min_epochs: 1 min_candidates: 3 } }")
mkdir -p "$(dirname "$OUT")"
/usr/bin/python3 - "$OUT" "$without" "$with" "$BUDGET" "$EPOCHS" "$SEED" "$BINARIES" <<'PY'
import json, os, sys, datetime
out, without, with_, budget, epochs, seed, binaries = sys.argv[1:]
without, with_ = json.loads(without), json.loads(with_)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "")
result = {
    "benchmark": "early_stopping",
    "date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": {"cpu_model": cpu, "cores": os.cpu_count(),
                "load_average_1m": round(os.getloadavg()[0], 2)},
    "parameters": {"strategy": "aging_evolution population 6 sample 3", "budget": int(budget),
                   "epochs": int(epochs), "seed": int(seed), "workers": 1,
                   "data": "digits 600 train / 300 validation",
                   "rule": "median_stopping min_epochs 1 min_candidates 3",
                   "binaries": binaries},
    "without_early_stopping": without,
    "with_early_stopping": with_,
    "epochs_saved_fraction": round(1 - with_["epochs_trained"] / without["epochs_trained"], 3),
    "train_seconds_saved_fraction": round(1 - with_["train_seconds"] / without["train_seconds"], 3),
    "best_fitness_difference": round(with_["best_fitness"] - without["best_fitness"], 4),
}
json.dump(result, open(out, "w"), indent=2)
print(json.dumps(result, indent=2))
PY
rm -rf "$SPECS"
