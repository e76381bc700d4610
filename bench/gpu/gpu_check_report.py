#!/usr/bin/env python3
"""Writes gpu_check.json from the outputs bench/gpu/run_on_device.sh collected.

  gpu_check_report.py --work=DIR --out=FILE --mode=gpu|cpu-dry-run --slots=K
                      --seconds=S --params='k=v ...'

DIR holds each step's stdout (NAME.out: the benchmarks' JSON lines), the
seconds each step took, the errors noted and the nvidia-smi samples. Missing
figures are null, and every step that failed is named in "errors". Runs on
the Python standard library alone (the GPU machine's python3 or /usr/bin/python3).
"""
import argparse
import datetime
import json
import os
import shlex
import statistics
import sys

THROUGHPUT_GOAL = 1.1
BUSY_GOAL_PERCENT = 80.0


def read_lines(path):
    try:
        with open(path) as f:
            return [line.rstrip("\n") for line in f]
    except OSError:
        return []


def read_json_lines(path):
    rows = []
    for line in read_lines(path):
        line = line.strip()
        if line.startswith("{"):
            try:
                rows.append(json.loads(line))
            except ValueError:
                pass
    return rows


def spread(values):
    """Median, min and max of a list of numbers (None when empty)."""
    if not values:
        return None
    return {"median": round(statistics.median(values), 2), "min": round(min(values), 2),
            "max": round(max(values), 2), "runs": len(values)}


def ratio(a, b):
    return round(a / b, 3) if a and b else None


def throughput(work):
    rows = read_json_lines(os.path.join(work, "throughput.out"))
    out = {"goal_ratio": THROUGHPUT_GOAL}
    for impl in ("libtorch_cpp", "pytorch_python"):
        runs = [r for r in rows if r.get("impl") == impl]
        out[impl] = {
            "end_to_end_images_per_second": spread([r["end_to_end_images_per_second"] for r in runs]),
            "compute_images_per_second": spread([r["compute_images_per_second"] for r in runs]),
            "compute_channels_last_images_per_second": spread(
                [r["compute_channels_last_images_per_second"] for r in runs
                 if "compute_channels_last_images_per_second" in r]),
            "parameters": sorted({r["parameters"] for r in runs}),
            "device": sorted({r.get("device", "cpu") for r in runs}),
        }
        if runs and "torch_version" in runs[0]:
            out[impl]["torch_version"] = runs[0]["torch_version"]
    cpp, py = out["libtorch_cpp"], out["pytorch_python"]
    out["genome"] = rows[0]["genome"] if rows else None
    out["same_network"] = bool(cpp["parameters"]) and cpp["parameters"] == py["parameters"]
    for form in ("end_to_end", "compute", "compute_channels_last"):
        c, p = cpp[f"{form}_images_per_second"], py[f"{form}_images_per_second"]
        out[f"ratio_{form}"] = ratio(c and c["median"], p and p["median"])
    out["met"] = out["ratio_end_to_end"] is not None and out["ratio_end_to_end"] >= THROUGHPUT_GOAL
    return out


def utilization(work, slots):
    out = {"goal_busy_percent": BUSY_GOAL_PERCENT, "slots": slots}
    for k in (1, slots):
        rows = read_json_lines(os.path.join(work, f"slots_{k}.out"))
        run = rows[-1] if rows else None
        smi = [int(v) for v in read_lines(os.path.join(work, f"smi_slots_{k}.out"))
               if v.strip().isdigit()]
        entry = {"images_per_second": run and run["images_per_second"],
                 "window_seconds": run and run["window_seconds"],
                 "gpu_busy_percent": run and run["gpu_busy_percent"],
                 "gpu_busy_samples": run and run["gpu_busy_samples"],
                 "gpu_busy_error": run and run["gpu_busy_error"],
                 # nvidia-smi over the whole run, start-up and warm-up included.
                 "nvidia_smi_mean_percent_whole_run":
                     round(statistics.mean(smi), 1) if smi else None}
        out[f"slots_{k}"] = entry
    one, many = out["slots_1"], out[f"slots_{slots}"]
    out["speedup_images_per_second"] = ratio(many["images_per_second"], one["images_per_second"])
    out["met"] = (many["gpu_busy_percent"] is not None
                  and many["gpu_busy_percent"] >= BUSY_GOAL_PERCENT)
    return out


def memory(work):
    rows = read_json_lines(os.path.join(work, "memory.out"))
    out = rows[-1] if rows else {}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--mode", required=True)
    parser.add_argument("--slots", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--params", default="")
    args = parser.parse_args()
    info = dict(line.split("=", 1) for line in read_lines(os.path.join(args.work, "info.out"))
                if "=" in line)
    seconds = {}
    for line in read_lines(os.path.join(args.work, "seconds")):
        name, _, value = line.rpartition(" ")
        seconds[name] = seconds.get(name, 0) + int(value)
    errors = [e for e in read_lines(os.path.join(args.work, "errors")) if e.strip()]
    unpacked = [h.strip() for h in read_lines(os.path.join(args.work, "unpacked_headers.out"))]
    # CMake's configure line (bench/gpu/CMakeLists.txt) says whether the CUDA-only
    # code (per-slot streams, memory peaks) was compiled; unknown without a build.
    with_cuda = None
    for line in read_lines(os.path.join(args.work, "build.err")):
        if "NAS_WITH_CUDA=" in line:
            with_cuda = line.split("NAS_WITH_CUDA=")[1].split(",")[0] == "ON"
    report = {
        "check": "gpu",
        "mode": args.mode,
        "device": info.get("gpu", "").split(",")[0].strip() or "cpu",
        "gpu": info.get("gpu"),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds_total": args.seconds,
        "seconds_by_step": seconds,
        "parameters": dict(kv.split("=", 1) for kv in shlex.split(args.params)),
        "libtorch": info.get("libtorch"),
        "python_torch": info.get("python_torch"),
        "python_cuda": info.get("python_cuda"),
        "build": {"cmake": info.get("cmake"), "generator": info.get("generator"),
                  "jobs": info.get("jobs"), "nas_with_cuda": with_cuda,
                  "headers_not_from_gpu_deps": unpacked},
        "throughput": throughput(args.work),
        "utilization": utilization(args.work, args.slots),
        "supernet_memory": memory(args.work),
        "errors": errors,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(json.dumps({k: report[k] for k in ("mode", "device", "seconds_total", "errors")}),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
