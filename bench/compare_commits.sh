#!/usr/bin/env bash
# Whether a change made the service slower: the controller throughput and the
# training throughput benchmarks for two builds side by side in one run. The
# base revision (default HEAD~1) is built optimised in a scratch worktree, the
# working tree as it is; then the two alternate (which goes first swaps every
# repeat), each run a fresh process (and, for the controller, a fresh
# database and controller under that build's own simulated table-lookup
# workers, which speak its version of the lease).
# Writes bench/results/compare_commits.json.
#   bench/compare_commits.sh [BASE]
#   env: WORKERS ("8 64"), BUDGET (2000), REPEATS (3), STEPS (15), THREADS (1)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BASE=${1:-HEAD~1}
WORKERS=${WORKERS:-"8 64"}
BUDGET=${BUDGET:-2000}
REPEATS=${REPEATS:-3}
STEPS=${STEPS:-15}
THREADS=${THREADS:-1}
OUT=${BENCH_OUT:-bench/results/compare_commits.json}
TABLE=$(cd "$ROOT/../shared/data/nasbench201" && pwd)/nb201_cifar10_test_acc.csv
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
# DARTS V2's normal and reduction cells, as bench/training.sh's genome A.
GENOME="normal: sep_conv_3x3(0)+sep_conv_3x3(1) | sep_conv_3x3(0)+sep_conv_3x3(1) | sep_conv_3x3(1)+skip_connect(0) | skip_connect(0)+dil_conv_3x3(2) ; reduce: max_pool_3x3(0)+max_pool_3x3(1) | skip_connect(2)+max_pool_3x3(1) | max_pool_3x3(0)+skip_connect(2) | skip_connect(2)+max_pool_3x3(1)"
TARGETS=(//controller:nas_controller //bench/throughput:controller_throughput
         //bench/training:training_throughput)

WORK=$(mktemp -d /tmp/nas-compare.XXXXXX)
chmod 755 "$WORK"
CONTROLLER_PID=""
cleanup() {
  [ -n "$CONTROLLER_PID" ] && kill -TERM "$CONTROLLER_PID" 2>/dev/null && wait "$CONTROLLER_PID" || true
  bash scripts/throwaway_pg.sh stop "$WORK/pg" || true
  git worktree remove --force "$WORK/src" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Copies the three programs of a build into $WORK/$2/.
collect() {  # BAZEL_BIN NAME
  mkdir -p "$WORK/$2"
  cp "$1/controller/nas_controller" "$1/bench/throughput/controller_throughput" \
    "$1/bench/training/training_throughput" "$WORK/$2/"
}
git worktree add -q --detach "$WORK/src" "$BASE"
ln -s "$ROOT/../shared" "$WORK/shared"
(cd "$WORK/src" && bazel build -c opt --noshow_progress --ui_event_filters=-info "${TARGETS[@]}" &&
  collect "$(bazel info -c opt bazel-bin 2>/dev/null)" base && bazel shutdown)
bazel build -c opt --noshow_progress --ui_event_filters=-info "${TARGETS[@]}"
collect "$(bazel info -c opt bazel-bin 2>/dev/null)" head

bash scripts/throwaway_pg.sh start "$WORK/pg" >/dev/null
PORT=$(cat "$WORK/pg/port")
run=0
throughput() {  # WHICH N
  run=$((run + 1))
  psql -q "host=127.0.0.1 port=$PORT user=postgres dbname=postgres" -c "CREATE DATABASE ab_$run"
  rm -f "$WORK/controller.port"
  "$WORK/$1/nas_controller" --listen=127.0.0.1:0 --port_file="$WORK/controller.port" \
    --database="host=127.0.0.1 port=$PORT user=postgres dbname=ab_$run" >"$WORK/controller_$run.log" 2>&1 &
  CONTROLLER_PID=$!
  for _ in $(seq 300); do [ -s "$WORK/controller.port" ] && break; sleep 0.1; done
  [ -s "$WORK/controller.port" ] || { cat "$WORK/controller_$run.log" >&2; exit 1; }
  "$WORK/$1/controller_throughput" --controller="127.0.0.1:$(head -1 "$WORK/controller.port")" \
    --table="$TABLE" --workers="$2" --budget="$BUDGET" --strategy=aging_evolution |
    sed "s/^{/{\"which\": \"$1\", \"bench\": \"throughput\", /" | tee -a "$WORK/runs.jsonl" >&2
  kill -TERM "$CONTROLLER_PID"; wait "$CONTROLLER_PID" || true; CONTROLLER_PID=""
}
training() {  # WHICH
  OMP_WAIT_POLICY=PASSIVE "$WORK/$1/training_throughput" --data="$DATA" --genomes="$GENOME" \
    --threads="$THREADS" --batch_size=64 --steps="$STEPS" --warmup_steps=3 --init_channels=16 \
    --cells=5 | sed "s/^{/{\"which\": \"$1\", \"bench\": \"training\", /" | tee -a "$WORK/runs.jsonl" >&2
}
for r in $(seq "$REPEATS"); do
  order="base head"; [ $((r % 2)) = 0 ] && order="head base"
  for n in $WORKERS; do for which in $order; do throughput "$which" "$n"; done; done
  for which in $order; do training "$which"; done
done

mkdir -p "$(dirname "$OUT")"
/usr/bin/python3 - "$WORK/runs.jsonl" "$OUT" "$(git rev-parse --short "$BASE")" \
  "$(git rev-parse --short HEAD)" "$BUDGET" "$REPEATS" <<'PY'
import json, os, statistics, sys, time
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def summary(metric, select):
    runs = {w: [r[metric] for r in rows if r["which"] == w and select(r)] for w in ("base", "head")}
    med = {w: statistics.median(v) for w, v in runs.items()}
    return {"base": runs["base"], "head": runs["head"], "median_base": med["base"],
            "median_head": med["head"], "ratio_head_over_base": round(med["head"] / med["base"], 3)}
out = {"benchmark": "compare_commits",
       "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
       "machine": {"cores": os.cpu_count(), "load_average_1m": os.getloadavg()[0]},
       "parameters": {"base": sys.argv[3], "head": sys.argv[4] + " (working tree)",
                      "budget": int(sys.argv[5]), "repeats": int(sys.argv[6])},
       "throughput_evaluations_per_second": {
           str(n): summary("evaluations_per_second",
                           lambda r, n=n: r["bench"] == "throughput" and r["workers"] == n)
           for n in sorted({r["workers"] for r in rows if r["bench"] == "throughput"})},
       "training_images_per_second": {
           m: summary(m, lambda r: r["bench"] == "training")
           for m in ("end_to_end_images_per_second", "compute_images_per_second")}}
json.dump(out, open(sys.argv[2], "w"), indent=2)
print(json.dumps(out, indent=2))
PY
echo "wrote $OUT" >&2
