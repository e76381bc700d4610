#!/usr/bin/env bash
# The GPU check's every step, on the CPU: bench/gpu/run_on_device.sh
# --cpu-dry-run with the Bazel-built benchmarks (PREBUILT), so that the one step
# it skips is the CMake build, which takes minutes on two cores (run the dry run
# by hand for that). Checks the JSON it writes.
#   dry_run_test.sh TRAINING_THROUGHPUT MEMORY_BENCH CONCURRENT_TRAINING
set -euo pipefail
bin="$TEST_TMPDIR/bin"
mkdir -p "$bin"
for b in "$@"; do ln -sf "$PWD/$b" "$bin/$(basename "$b")"; done
OUT="$TEST_TMPDIR/out" PREBUILT="$bin" DATA=/usr/share/datasets/fashion-mnist \
  bench/gpu/run_on_device.sh --cpu-dry-run
/usr/bin/python3 - "$TEST_TMPDIR/out/gpu_check.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
problems = []
def want(ok, what):
    if not ok:
        problems.append(what)
want(r["mode"] == "cpu-dry-run" and r["device"] == "cpu", "mode cpu-dry-run on device cpu")
want(r["errors"] == [], f"no errors (got {r['errors']})")
t = r["throughput"]
want(t["same_network"], "the C++ and Python networks have the same parameter count")
want(t["ratio_end_to_end"] and t["ratio_compute"], "both throughput ratios")
u = r["utilization"]
for k in (1, u["slots"]):
    want(u[f"slots_{k}"]["images_per_second"], f"images/s with {k} slot(s)")
    want(u[f"slots_{k}"]["gpu_busy_error"] == "not a GPU", "no GPU busy time on the CPU")
m = r["supernet_memory"]
want(m.get("darts_peak_mib") and m.get("pc_darts_peak_mib"), "both supernet peaks")
for p in problems:
    print("gpu_check.json lacks:", p)
print(json.dumps(r, indent=1)[:3000])
sys.exit(1 if problems else 0)
PY
