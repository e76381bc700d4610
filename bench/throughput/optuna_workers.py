#!/usr/bin/python3
"""Optuna's side of the controller throughput benchmark.

N worker processes share one Optuna study in PostgreSQL (RDBStorage over
psycopg2), the way Optuna documents distributed optimisation: every process
opens its own storage and runs ask -> objective -> tell until the shared trial
budget (or the time cap) is spent. Processes, not threads: the objective and
Optuna's bookkeeping are Python, and threads in one process would serialise on
the interpreter lock, which would understate what Optuna can do.

The objective is the table lookup the controller's workers do: one categorical
per NAS-Bench-201 cell edge (6 edges x 5 ops), the cell's accuracy from the
same CSV. The sampler is RandomSampler, Optuna's cheapest (TPE costs more per
trial as the study grows).

Prints one JSON object: trials recorded COMPLETE in the database, wall time
from the release of the workers to the last tell, trials/s, and ask/tell
latency percentiles (ask creates the trial row: Optuna's "lease").

Usage: /usr/bin/python3 optuna_workers.py --url postgresql+psycopg2://... \
           --table nb201.csv --workers 64 --trials 2000 [--max_seconds 120]
"""
import argparse
import csv
import json
import logging
import math
import multiprocessing as mp
import os
import sys
import threading
import time

import optuna

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")


def load_table(path):
    with open(path, newline="") as f:
        return {row["arch"]: float(row["cifar10_test_acc_200ep"]) for row in csv.DictReader(f)}


def cell_string(ops):
    """NAS-Bench-201 text: node j reads every earlier node i with op ops[(j, i)]."""
    nodes, k = [], 0
    for j in range(1, 4):
        edges = []
        for i in range(j):
            edges.append(f"{ops[k]}~{i}")
            k += 1
        nodes.append("|" + "|".join(edges) + "|")
    return "+".join(nodes)


def objective(trial, table):
    ops = [trial.suggest_categorical(f"edge{e}", OPS) for e in range(6)]
    return table[cell_string(ops)]


def percentile(sorted_values, q):
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def worker(index, args, table, barrier, claimed, results):
    """Runs trials; always puts one item on `results` so the parent never waits forever."""
    try:
        run_trials(index, args, table, barrier, claimed, results)
    except Exception as e:  # pylint: disable=broad-except
        barrier.abort()  # Releases everyone still waiting at the start line.
        results.put(f"worker {index}: {type(e).__name__}: {e}")
        raise


def run_trials(index, args, table, barrier, claimed, results):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.RDBStorage(args.url)
    study = optuna.load_study(study_name=args.study, storage=storage,
                              sampler=optuna.samplers.RandomSampler(seed=index))
    ask_ms, tell_ms, last_tell = [], [], 0.0
    barrier.wait()
    deadline = time.monotonic() + args.max_seconds
    while time.monotonic() < deadline:
        with claimed.get_lock():
            if claimed.value >= args.trials:
                break
            claimed.value += 1
        t0 = time.monotonic()
        trial = study.ask()
        t1 = time.monotonic()
        value = objective(trial, table)
        t2 = time.monotonic()
        study.tell(trial, value)
        t3 = time.monotonic()
        ask_ms.append((t1 - t0) * 1e3)
        tell_ms.append((t3 - t2) * 1e3)
        last_tell = time.time()
    results.put((ask_ms, tell_ms, last_tell))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of the PostgreSQL database")
    parser.add_argument("--table", required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--max_seconds", type=float, default=120)
    parser.add_argument("--study", default="")
    args = parser.parse_args()
    if args.workers < 1 or args.trials < 1:
        sys.exit("--workers and --trials: must be >= 1")
    args.study = args.study or f"bench-{args.workers}-{os.getpid()}-{int(time.time())}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    table = load_table(args.table)
    optuna.create_study(study_name=args.study, storage=args.url, direction="maximize")

    ctx = mp.get_context("fork")  # Children share the imported modules and the table.
    barrier = ctx.Barrier(args.workers + 1)
    claimed = ctx.Value("i", 0)
    results = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(i, args, table, barrier, claimed, results))
             for i in range(args.workers)]
    for p in procs:
        p.start()
    try:
        barrier.wait()  # Every worker has its storage and study open.
    except threading.BrokenBarrierError:
        pass  # A worker failed to start; its error comes through `results`.
    start = time.time()
    ask_ms, tell_ms, last = [], [], start
    for _ in procs:
        item = results.get()
        if isinstance(item, str):
            for p in procs:
                p.terminate()
            sys.exit(f"optuna_workers: {item}")
        a, t, l = item
        ask_ms += a
        tell_ms += t
        last = max(last, l)
    for p in procs:
        p.join()
    if any(p.exitcode != 0 for p in procs):
        sys.exit("optuna_workers: a worker process failed")
    study = optuna.load_study(study_name=args.study, storage=args.url)
    complete = len(study.get_trials(deepcopy=False,
                                    states=(optuna.trial.TrialState.COMPLETE,)))
    if complete != len(tell_ms):
        sys.exit(f"optuna_workers: {len(tell_ms)} tells but {complete} COMPLETE trials stored")
    wall = last - start
    ask_ms.sort()
    tell_ms.sort()
    print(json.dumps({
        "workers": args.workers, "sampler": "RandomSampler", "trials_requested": args.trials,
        "trials": complete, "wall_seconds": round(wall, 4),
        "trials_per_second": round(complete / wall, 3) if wall > 0 else 0.0,
        "ask": {"calls": len(ask_ms), "p50_ms": round(percentile(ask_ms, 0.5), 4),
                "p99_ms": round(percentile(ask_ms, 0.99), 4)},
        "tell": {"calls": len(tell_ms), "p50_ms": round(percentile(tell_ms, 0.5), 4),
                 "p99_ms": round(percentile(tell_ms, 0.99), 4)},
        "optuna_version": optuna.__version__,
    }))


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    main()
