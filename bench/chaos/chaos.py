"""Chaos benchmark: SIGKILLs workers and the controllers they use, at moments
chosen from what the database shows, and crash-restarts PostgreSQL, while
searches of every kind run; then checks that nothing was lost or counted
twice. Run through bench/chaos.sh."""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import invariants  # noqa: E402
import specs  # noqa: E402

MOMENTS = ["lease held", "epoch under way", "report due"]
POPULATION = {"table": 10, "training": 4, "nash": 0, "supernet": 0}


def connected_ports(pid):
    """Remote ports of the ESTABLISHED TCP connections process `pid` holds."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        return []
    ports = []
    for table in ("tcp", "tcp6"):
        try:
            lines = open(f"/proc/{pid}/net/{table}").read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if len(f) > 9 and f[3] == "01" and f[9] in inodes:
                ports.append(int(f[2].rsplit(":", 1)[1], 16))
    return ports


class Cluster:
    """PostgreSQL, two controllers and workers of each kind, as processes."""

    def __init__(self, root, bin_dir, work, workers_per_kind):
        self.root, self.bin, self.work = root, bin_dir, work
        self.logs = os.path.join(work, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.pg_dir = os.path.join(work, "pg")
        env = dict(os.environ, THROWAWAY_PG_SYNCHRONOUS_COMMIT="on")
        admin = subprocess.check_output(
            ["bash", f"{root}/scripts/throwaway_pg.sh", "start", self.pg_dir], env=env,
            text=True).strip()
        conn = psycopg2.connect(admin)
        conn.autocommit = True  # CREATE DATABASE runs outside a transaction.
        conn.cursor().execute("CREATE DATABASE nas_chaos")
        conn.close()
        self.dsn = admin.replace("dbname=postgres", "dbname=nas_chaos")
        self.controllers = []  # [process, port]
        for i in range(2):
            self.controllers.append([None, 0])
            self.start_controller(i)
        self.workers = []  # dicts: kind, index, generation, process
        for kind in specs.WORKER_KINDS:
            for n in range(workers_per_kind):
                self.workers.append({"kind": kind, "name": f"{kind}{n}", "generation": 0,
                                     "process": None})
                self.start_worker(len(self.workers) - 1)

    def start_controller(self, i):
        port = self.controllers[i][1]
        port_file = os.path.join(self.work, f"controller{i}.port")
        if os.path.exists(port_file):
            os.remove(port_file)
        log = open(os.path.join(self.logs, f"controller{i}.log"), "a")
        self.controllers[i][0] = subprocess.Popen(
            [f"{self.bin}/controller/nas_controller", f"--database={self.dsn}",
             f"--listen=127.0.0.1:{port}", f"--port_file={port_file}",
             "--reclaim_interval_ms=500"], stdout=log, stderr=log)
        deadline = time.time() + 60
        while time.time() < deadline:
            if os.path.exists(port_file):
                self.controllers[i][1] = int(open(port_file).read().strip())
                return
            if self.controllers[i][0].poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"controller {i} did not serve; see {self.logs}/controller{i}.log")

    def worker_id(self, w):
        return f"{self.workers[w]['name']}-{self.workers[w]['generation']}"

    def start_worker(self, w):
        worker = self.workers[w]
        addresses = ",".join(f"127.0.0.1:{port}" for _, port in self.controllers)
        log = open(os.path.join(self.logs, self.worker_id(w) + ".log"), "a")
        worker["process"] = subprocess.Popen(
            [f"{self.bin}/worker/nas_worker", f"--controller={addresses}",
             f"--worker_id={self.worker_id(w)}", "--threads=1", "--device=cpu",
             f"--job_kinds={specs.WORKER_KINDS[worker['kind']]}"],
            stdout=log, stderr=log, env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))

    def kill_worker(self, w):
        """SIGKILL, then the worker comes back under a new id (a new pod)."""
        self.workers[w]["process"].send_signal(signal.SIGKILL)
        self.workers[w]["process"].wait()
        self.workers[w]["generation"] += 1
        self.start_worker(w)

    def kill_controller(self, i):
        """SIGKILL, then a new controller on the same port."""
        self.controllers[i][0].send_signal(signal.SIGKILL)
        self.controllers[i][0].wait()
        self.start_controller(i)

    def controller_used_by(self, w):
        ports = connected_ports(self.workers[w]["process"].pid)
        for i, (_, port) in enumerate(self.controllers):
            if port in ports:
                return i
        return -1

    def worker_index(self, worker_id):
        name = worker_id.rsplit("-", 1)[0]
        for w, worker in enumerate(self.workers):
            if worker["name"] == name:
                return w
        return -1

    def restart_postgres(self, down_seconds):
        subprocess.check_call(["bash", f"{self.root}/scripts/throwaway_pg.sh", "restart",
                               self.pg_dir, str(down_seconds)])

    def submit(self, text):
        path = os.path.join(self.work, "spec.textproto")
        with open(path, "w") as f:
            f.write(text)
        for _ in range(30):  # A controller or the database may be down a moment.
            done = subprocess.run(
                [f"{self.bin}/controller/cli/nasctl",
                 f"--controller=127.0.0.1:{self.controllers[0][1]}", "submit", path],
                capture_output=True, text=True)
            if done.returncode == 0:
                return
            time.sleep(1)
        raise RuntimeError("nasctl submit: " + done.stderr)

    def stop(self):
        for worker in self.workers:
            if worker["process"] and worker["process"].poll() is None:
                worker["process"].send_signal(signal.SIGTERM)
        for process, _ in self.controllers:
            if process and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        time.sleep(2)
        for process in [w["process"] for w in self.workers] + [c[0] for c in self.controllers]:
            if process and process.poll() is None:
                process.kill()
        subprocess.call(["bash", f"{self.root}/scripts/throwaway_pg.sh", "stop", self.pg_dir])


def query(dsn, sql, args=None):
    """Rows of `sql`; retries while PostgreSQL restarts."""
    for attempt in range(120):
        try:
            with psycopg2.connect(dsn, connect_timeout=3) as conn:
                cur = conn.cursor()
                cur.execute(sql, args)
                return cur.fetchall()
        except psycopg2.OperationalError:
            if attempt == 119:
                raise
            time.sleep(0.5)


def leased_jobs(dsn):
    rows = query(dsn, "SELECT j.id, j.attempt, j.lease_owner, count(e.epoch), "
                      "COALESCE(max(e.epochs), 0), j.kind FROM jobs j LEFT JOIN job_epochs e "
                      "ON e.job_id = j.id AND e.attempt = j.attempt WHERE j.state = 'leased' "
                      "GROUP BY j.id")
    return [dict(job=r[0], attempt=r[1], worker=r[2], reported=r[3], epochs=r[4], kind=r[5])
            for r in rows]


def at_moment(job, moment):
    if moment == "lease held":
        return job["reported"] == 0
    if moment == "epoch under way":
        return 0 < job["reported"] < job["epochs"] - 1
    return job["reported"] > 0 and job["reported"] >= job["epochs"] - 1


def finished(dsn):
    return query(dsn, "SELECT COALESCE(sum(evaluations_done + evaluations_failed + "
                      "evaluations_infeasible), 0) FROM searches")[0][0]


def keep_searches_running(cluster, counter, per_kind):
    """Submits a new search of each kind whose running ones are fewer than `per_kind`."""
    running = dict(query(cluster.dsn, "SELECT split_part(name, ' ', 2), count(*) FROM searches "
                                      "WHERE state = 'running' GROUP BY 1"))
    data = os.path.abspath(os.path.join(cluster.root, "..", "shared", "data"))
    for kind, template in specs.KINDS.items():
        for _ in range(per_kind - running.get(kind, 0)):
            counter[0] += 1
            cluster.submit(template.format(n=counter[0], data=data))


def run(args):
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    rng = random.Random(args.seed)
    work = args.work
    started = time.time()
    cluster = Cluster(root, args.bin, work, args.workers_per_kind)
    faults, skipped, no_progress, pg_restarts = [], 0, [], 0
    counter = [0]
    try:
        restart_every = max(1, args.kills // (args.pg_restarts + 1))
        while len(faults) < args.kills:
            keep_searches_running(cluster, counter, 1)
            if pg_restarts < args.pg_restarts and len(faults) >= restart_every * (pg_restarts + 1):
                before = finished(cluster.dsn)
                cluster.restart_postgres(2)
                pg_restarts += 1
                print(f"postgres crash-restart {pg_restarts}", flush=True)
                wait_progress(cluster, before, no_progress, "postgres restart")
                continue
            target = "controller" if rng.random() < args.controller_share else "worker"
            moment = rng.choice(MOMENTS)
            fault = inflict(cluster, rng, target, moment)
            if fault is None:
                skipped += 1
                continue
            faults.append(fault)
            fault["seconds_to_progress"] = wait_progress(cluster, fault["before"], no_progress,
                                                         fault)
            print(f"{len(faults)}: {target} {fault['target']} at '{moment}' on a "
                  f"{fault['kind']} job ({fault['job']}/{fault['attempt']}): progress after "
                  f"{fault['seconds_to_progress']:.1f} s", flush=True)
        chaos_seconds = time.time() - started
        drain(cluster, args.drain_seconds)
        report = summarise(cluster, faults, skipped, no_progress, pg_restarts, chaos_seconds,
                           time.time() - started, args)
    finally:
        cluster.stop()
    with open(args.out_json, "w") as f:
        json.dump(report, f, indent=2)
    write_markdown(report, args.out_md)
    print(json.dumps(report["verdict"], indent=2))
    return 0 if report["verdict"]["all_hold"] else 1


def inflict(cluster, rng, target, moment):
    deadline = time.time() + 20
    while time.time() < deadline:
        jobs = [j for j in leased_jobs(cluster.dsn) if at_moment(j, moment)]
        rng.shuffle(jobs)
        for job in jobs:
            w = cluster.worker_index(job["worker"])
            if w < 0 or cluster.worker_id(w) != job["worker"]:
                continue  # A dead generation's lease, waiting to expire.
            fault = dict(target_kind=target, moment=moment, job=job["job"],
                         attempt=job["attempt"], kind=job["kind"], before=finished(cluster.dsn))
            fault["at"] = time.time()
            if target == "worker":
                fault["target"] = job["worker"]
                cluster.kill_worker(w)
            else:
                c = cluster.controller_used_by(w)
                if c < 0:
                    continue
                fault["target"] = c
                fault["at"] = time.time()
                cluster.kill_controller(c)
            return fault
        time.sleep(0.02)
    return None


def wait_progress(cluster, before, no_progress, what):
    start = time.time()
    while time.time() - start < 120:
        if finished(cluster.dsn) > before:
            return time.time() - start
        time.sleep(0.1)
    no_progress.append(str(what))
    return -1


def drain(cluster, seconds):
    """No new searches; waits until every search has ended."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if query(cluster.dsn, "SELECT count(*) FROM searches WHERE state = 'running'")[0][0] == 0:
            time.sleep(2)  # Quiet: the reaper runs once more.
            return
        time.sleep(1)


def summarise(cluster, faults, skipped, no_progress, pg_restarts, chaos_seconds, seconds, args):
    by_target, by_moment, by_kind = {}, {}, {}
    for f in faults:
        by_target[f["target_kind"]] = by_target.get(f["target_kind"], 0) + 1
        key = f"{f['target_kind']} / {f['moment']}"
        by_moment[key] = by_moment.get(key, 0) + 1
        by_kind[f["kind"]] = by_kind.get(f["kind"], 0) + 1
    worker_faults = [f for f in faults if f["target_kind"] == "worker"]
    # A worker kill lands (its lease expires) unless the report beat it: a
    # table lookup takes milliseconds, so its report may be sent between the
    # poll and the kill and reach the controller just after the kill (its
    # transaction starts then). A report recorded later than the lease could
    # have lasted, or any other end, would be a bug.
    landed, beaten, not_expired = 0, 0, []
    for f in worker_faults:
        outcome, ended = query(
            cluster.dsn, "SELECT COALESCE(outcome, ''), extract(epoch FROM ended_at) FROM "
            "job_attempts WHERE job_id = %s AND attempt = %s", (f["job"], f["attempt"]))[0]
        if outcome == "expired":
            landed += 1
        elif outcome == "reported" and ended is not None and float(ended) <= f["at"] + 5:
            beaten += 1
            by_moment[f"worker / {f['moment']} (report beat the kill)"] = by_moment.get(
                f"worker / {f['moment']} (report beat the kill)", 0) + 1
        else:
            not_expired.append(f"{f['kind']} job {f['job']}/{f['attempt']}: '{outcome}'")
    violations = {}
    searches = query(cluster.dsn, "SELECT id, split_part(name, ' ', 2), state FROM searches")
    with psycopg2.connect(cluster.dsn) as conn:
        cur = conn.cursor()
        for search_id, kind, state in searches:
            if state != "succeeded":
                violations.setdefault("search succeeded", 0)
                violations["search succeeded"] += 1
                continue
            for name, count in invariants.check_search(cur, search_id, POPULATION[kind]).items():
                violations[name] = violations.get(name, 0) + count
        for name, count in invariants.check_global(cur).items():
            violations[name] = violations.get(name, 0) + count
    one = lambda sql: query(cluster.dsn, sql)[0][0]  # noqa: E731
    figures = {
        "kills": len(faults),
        "kills_by_target": by_target,
        "kills_by_target_and_moment": by_moment,
        "kills_by_job_kind": by_kind,
        "worker_kills_landed_lease_expired": landed,
        "worker_kills_beaten_by_the_report": beaten,
        "worker_kills_ending_otherwise": not_expired,
        "postgres_crash_restarts": pg_restarts,
        "moments_not_found_in_time": skipped,
        "faults_without_progress_in_120s": no_progress,
        "leases_expired": one("SELECT count(*) FROM job_attempts WHERE outcome = 'expired'"),
        "attempts_rerun": one("SELECT count(*) FROM job_attempts WHERE attempt > 1"),
        "jobs_done_after_a_rerun": one(
            "SELECT count(*) FROM jobs WHERE state = 'done' AND attempt > 1"),
        "searches": {k: one(f"SELECT count(*) FROM searches WHERE name LIKE 'chaos {k} %'")
                     for k in specs.KINDS},
        "evaluations": one("SELECT sum(evaluations_done) FROM searches"),
        "evaluations_failed": one("SELECT sum(evaluations_failed) FROM searches"),
        "partial_uploads_left": one("SELECT count(DISTINCT digest) FROM checkpoint_chunks "
                                    "WHERE digest LIKE 'upload:%'"),
        "chaos_seconds": round(chaos_seconds),
        "seconds": round(seconds),
    }
    all_hold = (not any(violations.values()) and not no_progress and not not_expired
                and figures["evaluations_failed"] <= len(faults) + pg_restarts)
    return {
        "name": "chaos",
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"cores": os.cpu_count()},
        "params": {"seed": args.seed, "kills": args.kills, "pg_restarts": args.pg_restarts,
                   "workers_per_kind": args.workers_per_kind,
                   "controller_share": args.controller_share, "quick": args.quick},
        "figures": figures,
        "invariants": violations,
        "verdict": {"all_hold": all_hold, "results_lost": violations.get(
            "0 results lost: every reported attempt's individual evaluated", 0),
            "counted_twice": sum(v for k, v in violations.items() if "counted twice" in k)},
    }


def write_markdown(report, path):
    f = report["figures"]
    lines = [
        "# Chaos benchmark", "",
        f"{report['date']}, seed {report['params']['seed']}: {f['kills']} SIGKILLs and "
        f"{f['postgres_crash_restarts']} PostgreSQL crash-restarts in {f['chaos_seconds']} s "
        f"({f['seconds']} s with the drain), {sum(f['searches'].values())} searches "
        f"({', '.join(f'{v} {k}' for k, v in f['searches'].items())}).", "",
        "| kills by target and moment | count |", "| --- | --- |",
    ]
    lines += [f"| {k} | {v} |" for k, v in sorted(f["kills_by_target_and_moment"].items())]
    lines += ["", "| figure | value |", "| --- | --- |"]
    for key in ("kills_by_job_kind", "leases_expired", "attempts_rerun", "jobs_done_after_a_rerun",
                "worker_kills_landed_lease_expired", "worker_kills_beaten_by_the_report",
                "worker_kills_ending_otherwise", "evaluations", "evaluations_failed",
                "partial_uploads_left", "moments_not_found_in_time"):
        lines.append(f"| {key} | {f[key]} |")
    lines += ["", "| invariant (violations over all searches) | count |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in report["invariants"].items()]
    lines += ["", f"All hold: **{report['verdict']['all_hold']}**; results lost "
              f"{report['verdict']['results_lost']}, counted twice "
              f"{report['verdict']['counted_twice']}.", ""]
    with open(path, "w") as out:
        out.write("\n".join(lines))


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--bin", required=True, help="bazel-bin with the controller, worker, nasctl")
    p.add_argument("--work", required=True, help="scratch folder (logs, PostgreSQL)")
    p.add_argument("--kills", type=int, default=100)
    p.add_argument("--pg_restarts", type=int, default=4)
    p.add_argument("--workers_per_kind", type=int, default=2)
    p.add_argument("--controller_share", type=float, default=0.3)
    p.add_argument("--drain_seconds", type=int, default=900)
    p.add_argument("--seed", type=int, default=random.SystemRandom().randrange(1 << 31))
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out_json", required=True)
    p.add_argument("--out_md", required=True)
    args = p.parse_args()
    print(f"chaos seed {args.seed}", flush=True)
    sys.exit(run(args))


if __name__ == "__main__":
    main()
