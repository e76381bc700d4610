#!/usr/bin/python3
"""summarize_traces.py: where one training step's time goes, C++ against PyTorch.

Reads the Chrome traces of bench/training/profile_step (C++) and profile_step.py
(PyTorch) and prints, per operator, its self time (its duration less that of the
operators nested in it, on the same thread) on each side, largest first, as a
markdown table; with --json, the same figures as JSON. Backward operators are
grouped by name as the profilers record them (e.g. "ConvolutionBackward0").
"""
import argparse
import collections
import json


def self_times(path):
    """{op name: self microseconds}, and the wall time from the first start to the last end."""
    with open(path) as f:
        text = f.read().strip()
    # LibTorch's legacy writer may leave a trailing comma before "]".
    if text.endswith(",\n]") or text.endswith(",]"):
        text = text.rsplit(",", 1)[0] + "]"
    events = [e for e in json.loads(text) if e.get("ph") == "X"]
    by_thread = collections.defaultdict(list)
    for e in events:
        by_thread[e["tid"]].append((float(e["ts"]), float(e["dur"]), e["name"]))
    totals = collections.Counter()
    start, end = float("inf"), 0.0
    for spans in by_thread.values():
        # Parents first: earlier start, and at equal starts the longer span.
        spans.sort(key=lambda s: (s[0], -s[1]))
        stack = []  # [end, name, child time]
        def close(upto):
            while stack and stack[-1][0] <= upto:
                e_end, name, children, dur = stack.pop()
                totals[name] += dur - children
        for ts, dur, name in spans:
            start, end = min(start, ts), max(end, ts + dur)
            close(ts)
            if stack:
                stack[-1][2] += dur
            stack.append([ts + dur, name, 0.0, dur])
        close(float("inf"))
    return totals, end - start


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cpp", required=True)
    p.add_argument("--python", required=True)
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    cpp, cpp_wall = self_times(args.cpp)
    py, py_wall = self_times(args.python)
    names = sorted(set(cpp) | set(py), key=lambda n: -max(cpp[n], py[n]))
    rows = [{"op": n, "cpp_ms": round(cpp[n] / 1000, 2), "python_ms": round(py[n] / 1000, 2)}
            for n in names[:args.top]]
    summary = {"cpp_profiled_ms": round(sum(cpp.values()) / 1000, 2),
               "python_profiled_ms": round(sum(py.values()) / 1000, 2),
               "cpp_wall_ms": round(cpp_wall / 1000, 2), "python_wall_ms": round(py_wall / 1000, 2),
               "top": rows}
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"one step: C++ {summary['cpp_wall_ms']} ms, PyTorch {summary['python_wall_ms']} ms "
          "(first operator start to last operator end)\n")
    print("| operator (self time) | C++ ms | PyTorch ms |")
    print("| --- | --- | --- |")
    for r in rows:
        print(f"| {r['op']} | {r['cpp_ms']} | {r['python_ms']} |")
    rest_cpp = sum(cpp.values()) / 1000 - sum(r["cpp_ms"] for r in rows)
    rest_py = sum(py.values()) / 1000 - sum(r["python_ms"] for r in rows)
    print(f"| all other operators | {rest_cpp:.2f} | {rest_py:.2f} |")


if __name__ == "__main__":
    main()
