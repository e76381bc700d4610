"""Checks the JSON of bench/gpu/run_on_device.sh --cpu-dry-run: every step ran
on the CPU and left its figures. Exits 1, naming what is missing, otherwise.

  check_dry_run_report.py GPU_CHECK_JSON
"""
import json
import sys


def main(path):
    r = json.load(open(path))
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
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_dry_run_report.py GPU_CHECK_JSON")
    sys.exit(main(sys.argv[1]))
