#!/usr/bin/python3
"""Turns benchmark outputs into bench/results/*.json and the table of docs/benchmarks.md.

  report.py throughput --controller=C.jsonl --optuna=O.jsonl --params='k=v ...' --out=F.json
  report.py training --lines=L.jsonl --params='k=v ...' --out=F.json
  report.py wrap --name=N --md=F.md --command=CMD --seconds=S --params='k=v ...' --out=F.json
  report.py profile --annotate=callgrind_annotate.txt --params='k=v ...' --out=F.json
  report.py table --results=bench/results --doc=docs/benchmarks.md

Every JSON file carries the machine (CPU model, cores, memory, load when it
ran), the date, the parameters and the figures; the table of docs/benchmarks.md
between <!-- bench:begin --> and <!-- bench:end --> is regenerated from them alone.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shlex
import statistics
import sys

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu_model": model, "cores": os.cpu_count(), "memory_gib": round(mem_gib, 1),
            "kernel": platform.release(), "load_average_1m": round(os.getloadavg()[0], 2)}


def envelope(name, params, **body):
    return {"benchmark": name, "date": datetime.datetime.now(datetime.timezone.utc)
            .strftime("%Y-%m-%dT%H:%M:%SZ"), "machine": machine(),
            "parameters": dict(kv.split("=", 1) for kv in shlex.split(params or "")), **body}


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip().startswith("{")]


def write(out, data):
    with open(out, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")


def spread(values):
    return {"median": round(statistics.median(values), 1), "min": round(min(values), 1),
            "max": round(max(values), 1), "runs": [round(v, 1) for v in values]}


def controller_summary(runs):
    """Medians over the repeats of one (searches, workers) point, with their spread."""
    return {
        "workers": runs[0]["workers"], "searches": runs[0].get("searches", 1),
        "evaluations_per_second": spread([r["evaluations_per_second"] for r in runs]),
        "lease_p50_ms": spread([r["lease"]["p50_ms"] for r in runs]),
        "lease_p99_ms": spread([r["lease"]["p99_ms"] for r in runs]),
        # The lease's own time: the call less its wait for a job to be queued
        # (absent from results measured before the controller reported it).
        "lease_own_p50_ms": spread([r.get("lease_own", r["lease"])["p50_ms"] for r in runs]),
        "lease_own_p99_ms": spread([r.get("lease_own", r["lease"])["p99_ms"] for r in runs]),
        "report_p99_ms": spread([r["report"]["p99_ms"] for r in runs]),
        "empty_leases": spread([r["empty_lease"]["calls"] for r in runs]),
        "runs": runs}


def throughput(args):
    by_point = {}
    for r in read_jsonl(args.controller):
        by_point.setdefault((r.get("searches", 1), r["workers"]), []).append(r)
    ctl = {n: controller_summary(runs) for (s, n), runs in by_point.items() if s == 1}
    multi = [controller_summary(runs) for (s, n), runs in sorted(by_point.items()) if s > 1]
    opt = {r["workers"]: r for r in read_jsonl(args.optuna)}
    rows = []
    for n in sorted(set(ctl) | set(opt)):
        c, o = ctl.get(n), opt.get(n)
        ratio = (c["evaluations_per_second"]["median"] / o["trials_per_second"]
                 if c and o and o["trials_per_second"] > 0 else None)
        rows.append({"workers": n, "controller": c, "optuna": o,
                     "ratio": round(ratio, 2) if ratio is not None else None})

    def eps(n):
        return ctl[n]["evaluations_per_second"]["median"] if n in ctl else None

    goals = []
    if 64 in ctl:
        goals.append({"goal": ">= 1,200 evaluations/s at N=64", "value": eps(64),
                      "met": eps(64) >= 1200})
    if 256 in ctl:
        p99 = ctl[256]["lease_own_p99_ms"]["median"]
        goals.append({"goal": ">= 1,000 evaluations/s at N=256", "value": eps(256),
                      "met": eps(256) >= 1000})
        goals.append({"goal": "lease p99 <= 20 ms at N=256 "
                              "(own: less the wait for a job, after the first)",
                      "value": p99, "met": p99 <= 20})
        if 8 in ctl:
            # A drop is one beyond the spread of the repeats at N=8.
            goals.append({"goal": "no drop from N=8 to N=256", "value": [eps(8), eps(256)],
                          "met": eps(256) >= ctl[8]["evaluations_per_second"]["min"]})
        for m in multi:
            if m["workers"] == 256:
                v = m["evaluations_per_second"]["median"]
                goals.append({"goal": f"{m['searches']} searches at N=256 >= one search",
                              "value": [v, eps(256)], "met": v >= eps(256)})
    at64 = next((r["ratio"] for r in rows if r["workers"] == 64), None)
    if at64 is not None:
        goals.append({"goal": ">= 5x Optuna at N=64", "value": at64, "met": at64 >= 5.0})
    write(args.out, envelope("throughput", args.params, results=rows, multi=multi, goals=goals))


def training(args):
    lines = read_jsonl(args.lines)
    genomes = list(dict.fromkeys(r["genome"] for r in lines))
    rows = []
    for g in genomes:
        row = {"genome": g}
        for impl in ("libtorch_cpp", "pytorch_python"):
            runs = [r for r in lines if r["genome"] == g and r["impl"] == impl]
            row[impl] = {
                "parameters": sorted({r["parameters"] for r in runs}),
                "end_to_end_images_per_second": [r["end_to_end_images_per_second"] for r in runs],
                "compute_images_per_second": [r["compute_images_per_second"] for r in runs],
                "median_end_to_end": statistics.median(
                    r["end_to_end_images_per_second"] for r in runs),
                "median_compute": statistics.median(r["compute_images_per_second"] for r in runs),
                "compute_channels_last_images_per_second": [
                    r["compute_channels_last_images_per_second"] for r in runs],
                "median_compute_channels_last": statistics.median(
                    r["compute_channels_last_images_per_second"] for r in runs),
            }
        cpp, py = row["libtorch_cpp"], row["pytorch_python"]
        row["parameters_match"] = cpp["parameters"] == py["parameters"] and len(cpp["parameters"]) == 1
        row["ratio_end_to_end"] = round(cpp["median_end_to_end"] / py["median_end_to_end"], 3)
        row["ratio_compute"] = round(cpp["median_compute"] / py["median_compute"], 3)
        row["ratio_compute_channels_last"] = round(
            cpp["median_compute_channels_last"] / py["median_compute_channels_last"], 3)
        # What each side gains from channels-last weights and batches.
        for impl in (cpp, py):
            impl["channels_last_over_contiguous"] = round(
                impl["median_compute_channels_last"] / impl["median_compute"], 3)
        # The data pipeline costs what end-to-end loses against compute-only.
        row["cpp_end_to_end_over_compute"] = round(
            cpp["median_end_to_end"] / cpp["median_compute"], 3)
        rows.append(row)
    worst = min((min(r["ratio_end_to_end"], r["ratio_compute"]) for r in rows), default=None)
    write(args.out, envelope("training", args.params, results=rows, goal={
        "min_ratio": 1.1, "worst_ratio": worst, "met": worst is not None and worst >= 1.1}))


def loader(args):
    lines = read_jsonl(args.lines)
    if not all(r["streamed"] for r in lines if r["kind"] == "loader"):
        sys.exit("loader: the timed folder was not streamed; make it larger than the budget")
    plain = [r["batches_per_second"] for r in lines if r["kind"] == "loader" and not r["crop_flip"]]
    crop = [r["batches_per_second"] for r in lines if r["kind"] == "loader" and r["crop_flip"]]
    train = [r["compute_images_per_second"] / r["batch_size"] for r in lines
             if r["kind"] == "training"]
    memory = [r for r in lines if r["kind"] == "memory"]
    ratio = min(statistics.median(plain), statistics.median(crop)) / statistics.median(train)
    # Each repeat's loader runs beside its own training run: the worst pair.
    worst = min(min(p, c) / t for p, c, t in zip(plain, crop, train))
    write(args.out, envelope(
        "loader", args.params,
        loader_batches_per_second=spread(plain),
        loader_crop_flip_batches_per_second=spread(crop),
        training_batches_per_second=spread(train),
        ratio=round(ratio, 1), worst_repeat_ratio=round(worst, 1),
        memory=[{k: r[k] for k in ("folder", "folder_images", "decoded_mib", "memory_mb",
                                   "streamed", "peak_rss_mib")} for r in memory],
        goal={"min_ratio": 3.0, "ratio": round(ratio, 1), "met": ratio >= 3.0}))


def md_tables(text):
    """Every markdown table of `text` as a list of row dicts."""
    tables, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.match(r"\|\s*-", lines[i + 1]):
            head = [c.strip() for c in lines[i].strip("|").split("|")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip("|").split("|")]
                rows.append(dict(zip(head, cells)))
                i += 1
            tables.append(rows)
        else:
            i += 1
    return tables


def wrap(args):
    with open(args.md) as f:
        text = f.read()
    write(args.out, envelope(args.name, args.params, command=args.command,
                             wall_seconds=float(args.seconds), title=text.splitlines()[0].lstrip("# "),
                             tables=md_tables(text), report=os.path.basename(args.md)))


def profile(args):
    """The top inclusive and self items of a callgrind_annotate listing."""
    items, section = [], ""
    with open(args.annotate) as f:
        for line in f:
            if line.startswith("## "):
                section = line[3:].strip()
            m = re.match(r"\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(\S.*)", line)
            if m:
                items.append({"instructions": int(m.group(1).replace(",", "")),
                              "percent": float(m.group(2)), "symbol": m.group(3).strip(),
                              "section": section})
    top = {s: [i for i in items if i["section"] == s][:args.top] for s in ("self", "inclusive, nas:: functions")}
    write(args.out, envelope("controller_profile", args.params, self=top["self"],
                             inclusive=top["inclusive, nas:: functions"]))


def fmt(x, digits=1):
    return "n/a" if x is None else f"{x:,.{digits}f}"


def summary_rows(results):
    rows = []
    for name, d in results:
        date = d["date"][:10]
        # The two service-level searches write their own JSON, with cores only.
        m = d.get("machine", {"cpu_model": "CPU", "cores": d.get("cores")})
        where = f"{date}, {m['cpu_model']}, {m['cores']} cores"
        if name in ("throughput", "throughput-durable"):
            def point(r):
                c = r["controller"]
                if not c:
                    return f"N={r['workers']}: Optuna {fmt(r['optuna']['trials_per_second'])}/s"
                e = c["evaluations_per_second"]
                text = (f"N={r['workers']}: {fmt(e['median'])} ({fmt(e['min'])}-{fmt(e['max'])})")
                if r["optuna"]:
                    text += f" vs {fmt(r['optuna']['trials_per_second'])}/s (**{fmt(r['ratio'], 2)}x**)"
                text += (f", lease p50/p99 {fmt(c['lease_p50_ms']['median'])}/"
                         f"{fmt(c['lease_p99_ms']['median'])} ms")
                if "lease_own_p99_ms" in c:
                    text += (" (own: less the wait for a job and the first lease "
                             f"{fmt(c['lease_own_p50_ms']['median'])}/"
                             f"{fmt(c['lease_own_p99_ms']['median'])} ms)")
                return text
            cells = "; ".join(point(r) for r in d["results"])
            for m in d.get("multi", []):
                e = m["evaluations_per_second"]
                cells += (f"; {m['searches']} searches x N={m['workers']}: {fmt(e['median'])} "
                          f"({fmt(e['min'])}-{fmt(e['max'])})")
            goals = ", ".join(f"{g['goal']}: {'met' if g['met'] else 'NOT met'}"
                              for g in d.get("goals", []))
            durable = " (fsync and synchronous_commit on)" if name == "throughput-durable" else ""
            rows.append((f"controller vs Optuna 3.1, evaluations/s with N table-lookup workers, one "
                         f"PostgreSQL{durable}; medians (min-max) of "
                         f"{d['parameters'].get('repeats', 1)} repeats",
                         "`DURABLE=1 bench/throughput.sh`" if durable else "`bench/throughput.sh`",
                         f"{cells}. Goals: {goals}", where, name + ".json"))
        elif name == "training":
            p = d["parameters"]
            def median_range(side, kind):
                runs = side[f"{kind}_images_per_second"]
                return (f"{fmt(side['median_' + ('end_to_end' if kind == 'end_to_end' else 'compute')])}"
                        f" ({fmt(min(runs))}-{fmt(max(runs))})")
            cells = "; ".join(
                f"{'ABCDEFG'[i]} ({r['libtorch_cpp']['parameters'][0]:,} params, "
                f"{'same' if r['parameters_match'] else 'DIFFERENT'} in PyTorch): end-to-end "
                f"{median_range(r['libtorch_cpp'], 'end_to_end')} vs "
                f"{median_range(r['pytorch_python'], 'end_to_end')} img/s "
                f"(**{r['ratio_end_to_end']:.2f}x**), compute-only "
                f"{median_range(r['libtorch_cpp'], 'compute')} vs "
                f"{median_range(r['pytorch_python'], 'compute')} (**{r['ratio_compute']:.2f}x**)"
                + (f", compute-only channels-last {fmt(r['libtorch_cpp']['median_compute_channels_last'])}"
                   f" vs {fmt(r['pytorch_python']['median_compute_channels_last'])} "
                   f"(**{r['ratio_compute_channels_last']:.2f}x**; channels-last over contiguous: "
                   f"C++ {r['libtorch_cpp']['channels_last_over_contiguous']:.2f}x, PyTorch "
                   f"{r['pytorch_python']['channels_last_over_contiguous']:.2f}x)"
                   if "ratio_compute_channels_last" in r else "")
                for i, r in enumerate(d["results"]))
            g = d["goal"]
            rows.append((f"training images/s, LibTorch C++ worker vs PyTorch Python, Fashion-MNIST, "
                         f"C={p.get('init_channels')}, {p.get('cells')} cells, batch "
                         f"{p.get('batch_size')}, {p.get('threads')} thread(s), median (min-max) of "
                         f"{p.get('repeats')} alternating repeats", "`bench/training.sh`",
                         f"{cells}. Goal >= 1.1x: {'met' if g['met'] else 'NOT met'}", where,
                         "training.json"))
        elif name == "controller_profile":
            # A function and its lambdas read the same once arguments are cut: keep the first.
            seen, top = set(), []
            for t in d["inclusive"]:
                fn = t["symbol"].replace("???:", "").replace("(anonymous namespace)", "{anonymous}")
                fn = re.sub(r"[(].*", "", fn)
                if fn not in seen and len(top) < 6:
                    seen.add(fn)
                    top.append(f"`{fn}` {t['percent']:.0f}%")
            top = ", ".join(top)
            rows.append(("where the controller's CPU goes at N=256 (callgrind, inclusive)",
                         "`bench/profile_controller.sh`", top, where, "controller_profile.json"))
        elif name == "search_quality":
            rows_ = {r["strategy"]: r for r in d["tables"][0]}
            rea = next(v for k, v in rows_.items() if k.startswith("aging"))
            rs = next(v for k, v in rows_.items() if k.startswith("random"))
            ls = next((v for k, v in rows_.items() if k.startswith("local")), None)
            local = (f", local search {ls['mean']} ± {ls['std']} "
                     f"(**{float(ls['mean']) - float(rs['mean']):+.2f} points**)") if ls else ""
            rows.append(("aging evolution (P=10, S=3)" + (" and local search" if ls else "") +
                         " vs random search on NAS-Bench-201 CIFAR-10, "
                         "100 evaluations per seed, through the real controller, 2 table-lookup "
                         "workers and PostgreSQL", f"`{d['command']}`",
                         f"best accuracy found, mean ± std over seeds: aging evolution "
                         f"{rea['mean']} ± {rea['std']} "
                         f"(**{float(rea['mean']) - float(rs['mean']):+.2f} points**){local}, "
                         f"random search {rs['mean']} ± {rs['std']}; reference "
                         f"simulation 94.17 ± 0.22 vs 93.86 ± 0.23", where, f"{name}.json"))
        elif name == "nash_fashion_mnist":
            stages = ", ".join(f"{r['stage']} {float(r['best validation accuracy']):.3f}"
                               for r in d["tables"][0])
            md = os.path.join(os.path.dirname(__file__), "results", d.get("report", ""))
            text = open(md).read() if os.path.isfile(md) else ""
            found = re.search(r"Wall time for the whole search: ([0-9.]+) s", text)
            search_s = found.group(1) if found else "n/a"
            rows.append(("NASH on Fashion-MNIST from a small start net, 3 steps x 4 neighbours, "
                         "4,000 training images, 2 CPU workers "
                         "(`deploy/specs/nash_fashion_mnist.textproto`)", f"`{d['command']}`",
                         f"best validation accuracy: {stages}; {search_s} s of search",
                         where, f"{name}.json"))
        elif name == "supernet_memory":
            t = {r["method"]: r for r in d["tables"][0]}
            darts, pc = t["DARTS"], next(v for k, v in t.items() if k.startswith("PC-DARTS"))
            rows.append(("one supernet search step (architecture + weight step), DARTS vs PC-DARTS "
                         "K=4, batch 32, 28x28x1, C=16, 5 cells, 4 nodes, CPU, 1 thread, each in a "
                         "fresh process", f"`{d['command']}`",
                         f"peak memory {darts['peak RSS delta (MiB)']} vs "
                         f"{pc['peak RSS delta (MiB)']} MiB (**PC-DARTS {pc['memory vs DARTS']} "
                         f"of DARTS**); median step {darts['median step (ms)']} vs "
                         f"{pc['median step (ms)']} ms. No GPU was available", where,
                         f"{name}.json"))
        elif name == "supernet_fashion_mnist":
            cells = "; ".join(
                f"{r['method']}: derived cell {r['derived_retrained_accuracy']:.3f} after retraining "
                f"vs random best {r['random_best_accuracy']:.3f} / median "
                f"{r['random_median_accuracy']:.3f} of {r['random_candidates']} "
                f"({r['search_seconds']:.0f} s of search)" for r in d["results"])
            rows.append(("DARTS and PC-DARTS (K=4) on Fashion-MNIST through the service, one CPU "
                         "worker, first order, 6 supernet epochs on 1,200 training images (3 cells, "
                         "C=8, 3 nodes), the derived cell retrained from scratch, vs random cells "
                         "of the same space trained the same way, as many as fit in the supernet's "
                         "time plus its retrain", "`bench/supernet_fashion_mnist.sh`",
                         f"validation accuracy. {cells}", where, f"{name}.json"))
        elif name == "tfnas_fashion_mnist":
            rows.append(("TF-NAS on Fashion-MNIST through the service, one CPU worker: latency "
                         "table measured on the worker, then the search (width x0.25, <= 2 layers "
                         "per stage, 6 epochs, 2,000 training images, target 30% of the table's "
                         "range)", "`bench/tfnas_fashion_mnist.sh`",
                         f"table of {d['table_blocks']} blocks in {d['measure_seconds']:.1f} s, "
                         f"space {d['table_fastest_ms']:.2f}..{d['table_slowest_ms']:.2f} ms; "
                         f"target {d['target_latency_ms']:.2f} ms: derived architecture predicted "
                         f"**{d['predicted_latency_ms']:.2f} ms** by the table, measured "
                         f"{d['measured_latency_ms']:.2f} ms on the worker; supernet validation "
                         f"accuracy {d['supernet_valid_accuracy']:.3f} after {d['epochs']} epochs "
                         f"({d['search_seconds']:.0f} s)", where, f"{name}.json"))
        elif name == "loader":
            mem = "; ".join(
                f"{r['folder_images']:,} images ({r['decoded_mib']:.0f} MiB decoded) "
                f"{'streamed' if r['streamed'] else 'in memory'}: peak RSS {r['peak_rss_mib']:.0f} MiB"
                for r in d["memory"])
            g = d["goal"]
            rows.append(("streamed image folder (Fashion-MNIST as PNGs): loader batches/s "
                         f"({d['parameters']['threads']} decoding threads, batch 64) vs the quick "
                         "start network's training batches/s; peak memory at "
                         f"--dataset_memory_mb={d['parameters']['memory_mb']}",
                         "`bench/loader.sh`",
                         f"loader {fmt(d['loader_batches_per_second']['median'])} "
                         f"({fmt(d['loader_batches_per_second']['min'])}-"
                         f"{fmt(d['loader_batches_per_second']['max'])}), with crop+flip "
                         f"{fmt(d['loader_crop_flip_batches_per_second']['median'])} vs training "
                         f"{fmt(d['training_batches_per_second']['median'])} "
                         f"({fmt(d['training_batches_per_second']['min'])}-"
                         f"{fmt(d['training_batches_per_second']['max'])}) batches/s: "
                         f"**{fmt(d['ratio'])}x** (worst repeat {fmt(d['worst_repeat_ratio'])}x). "
                         f"Goal >= 3x: {'met' if g['met'] else 'NOT met'}. {mem}",
                         where, "loader.json"))
        elif name == "early_stopping":
            p, off, on = d["parameters"], d["without_early_stopping"], d["with_early_stopping"]
            rows.append((f"early stopping (median rule, {p['rule'].split(' ', 1)[1]}) vs the same "
                         f"seeded search without it: {p['strategy']}, {p['budget']} candidates of "
                         f"{p['epochs']} epochs on the 8x8 digits, one CPU worker",
                         "`bench/early_stopping.sh`",
                         f"epochs trained {on['epochs_trained']:.0f} vs {off['epochs_trained']:.0f} "
                         f"(**{100 * d['epochs_saved_fraction']:.0f}% saved**, {on['stopped']} of "
                         f"{on['evaluations']} stopped), training {on['train_seconds']:.0f} vs "
                         f"{off['train_seconds']:.0f} s; best fitness {on['best_fitness']:.4f} vs "
                         f"{off['best_fitness']:.4f}", where, "early_stopping.json"))
        else:
            t = d["tables"][0] if d.get("tables") else []
            first = "; ".join(", ".join(f"{k} {v}" for k, v in list(row.items())[:4]) for row in t)
            rows.append((d["title"], f"`{d['command']}`", first, where,
                         f"{name}.json"))
    return rows


def table(args):
    names = ["throughput", "throughput-durable", "training", "controller_profile", "search_quality",
             "nash_fashion_mnist", "supernet_memory", "supernet_fashion_mnist",
             "tfnas_fashion_mnist", "loader", "early_stopping"]
    results = []
    for n in names:
        path = os.path.join(args.results, n + ".json")
        if os.path.exists(path):
            with open(path) as f:
                results.append((n, json.load(f)))
    lines = [BEGIN, "", "| benchmark | command | medians and ratios | when, where | JSON |",
             "| --- | --- | --- | --- | --- |"]
    # Links are relative to the document that holds the table.
    link_dir = os.path.relpath(args.results, os.path.dirname(os.path.abspath(args.doc)) or ".")
    for what, cmd, figures, where, js in summary_rows(results):
        lines.append(f"| {what} | {cmd} | {figures} | {where} | "
                     f"[{js}]({link_dir}/{js}) |")
    lines += ["", "Generated by `bench/run_all.sh` from `bench/results/*.json`.", "", END]
    with open(args.doc) as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        sys.exit(f"{args.doc}: no {BEGIN} ... {END} markers")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    with open(args.doc, "w") as f:
        f.write(head + "\n".join(lines) + tail)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("--controller", required=True)
    t.add_argument("--optuna", required=True)
    tr = sub.add_parser("training")
    tr.add_argument("--lines", required=True)
    w = sub.add_parser("wrap")
    w.add_argument("--name", required=True)
    w.add_argument("--md", required=True)
    w.add_argument("--command", required=True)
    w.add_argument("--seconds", required=True)
    lo = sub.add_parser("loader")
    lo.add_argument("--lines", required=True)
    pr = sub.add_parser("profile")
    pr.add_argument("--annotate", required=True)
    pr.add_argument("--top", type=int, default=15)
    for s in (t, tr, w, pr, lo):
        s.add_argument("--params", default="")
        s.add_argument("--out", required=True)
    r = sub.add_parser("table", help="regenerate the table of docs/benchmarks.md")
    r.add_argument("--results", default="bench/results")
    r.add_argument("--doc", default="docs/benchmarks.md")
    args = p.parse_args()
    {"throughput": throughput, "training": training, "wrap": wrap, "profile": profile,
     "table": table, "loader": loader}[args.cmd](args)


if __name__ == "__main__":
    main()
