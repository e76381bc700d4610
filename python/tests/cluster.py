"""A real controller (and workers) as processes on loopback over a fresh
PostgreSQL database, for the client's tests: the Python twin of
tests/testing/local_cluster.cc and test_database.cc.

Environment: NAS_TEST_PG_DSN (an admin DSN of the test PostgreSQL server;
scripts/throwaway_pg.sh prints one), NAS_SHARED_DATA (the shared data
folder), NAS_BIN_ROOT (the folder holding controller/nas_controller,
worker/nas_worker, worker/export/nas_export and controller/cli/nasctl;
default: the Bazel runfiles tree, $TEST_SRCDIR/nas) and TEST_TMPDIR.
"""
import os
import random
import subprocess
import tempfile
import time

import psycopg2

CONTROLLER_START_SECONDS = 60


def required_env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set: run the tests through "
                           f"`bazel test //python:client_test` (scripts/test.sh sets it)")
    return value


def bin_root():
    if os.environ.get("NAS_BIN_ROOT"):
        return os.environ["NAS_BIN_ROOT"]
    return os.path.join(required_env("TEST_SRCDIR"), os.environ.get("TEST_WORKSPACE", "nas"))


def binary(relative):
    return os.path.join(bin_root(), relative)


def shared_data(relative):
    return os.path.join(required_env("NAS_SHARED_DATA"), relative)


class TestDatabase:
    """A fresh database on the test server, dropped again by drop()."""

    def __init__(self):
        self.admin_dsn = required_env("NAS_TEST_PG_DSN")
        self.name = f"t_py_{os.getpid()}_{random.randrange(10**6)}"
        self._admin(f"CREATE DATABASE {self.name}")
        self.dsn = f"{self.admin_dsn} dbname={self.name}"

    def _admin(self, sql):
        conn = psycopg2.connect(self.admin_dsn)
        conn.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction.
        try:
            conn.cursor().execute(sql)
        finally:
            conn.close()

    def query(self, sql, *args):
        conn = psycopg2.connect(self.dsn)
        try:
            with conn, conn.cursor() as cursor:
                cursor.execute(sql, args)
                return cursor.fetchall() if cursor.description else None
        finally:
            conn.close()

    def drop(self):
        self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


class Process:
    """A child process whose output goes to a log file."""

    def __init__(self, argv, log_path):
        self.argv, self.log_path = argv, log_path
        self._log = open(log_path, "wb")
        self.popen = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT)

    def running(self):
        return self.popen.poll() is None

    def log_tail(self, lines=40):
        with open(self.log_path, "rb") as f:
            return b"\n".join(f.read().splitlines()[-lines:]).decode("utf-8", "replace")

    def stop(self):
        if self.running():
            self.popen.terminate()
            try:
                self.popen.wait(5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._log.close()


class Cluster:
    """Controllers and workers on one fresh database."""

    def __init__(self, name):
        self.dir = tempfile.mkdtemp(prefix=f"{name}.", dir=os.environ.get("TEST_TMPDIR"))
        self.db = TestDatabase()
        self.processes = []

    def start_controller(self, flags=(), port=0, wait=True):
        """Starts a controller (port 0: the kernel picks) and, with `wait`,
        returns its "127.0.0.1:PORT" once it serves."""
        index = len(self.processes)
        port_file = os.path.join(self.dir, f"controller{index}.port")
        argv = [binary("controller/nas_controller"), f"--database={self.db.dsn}",
                f"--listen=127.0.0.1:{port}", f"--port_file={port_file}",
                "--reclaim_interval_ms=500", *flags]
        process = Process(argv, os.path.join(self.dir, f"controller{index}.log"))
        self.processes.append(process)
        if not wait:
            return process
        deadline = time.monotonic() + CONTROLLER_START_SECONDS
        while not os.path.exists(port_file):
            if not process.running():
                raise RuntimeError(f"controller exited with {process.popen.returncode} before "
                                   f"serving; its log:\n{process.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"controller did not serve within {CONTROLLER_START_SECONDS} "
                                   f"s; its log:\n{process.log_tail()}")
            time.sleep(0.05)
        with open(port_file) as f:
            return f"127.0.0.1:{int(f.read())}"

    def start_worker(self, address, worker_id, flags=()):
        argv = [binary("worker/nas_worker"), f"--controller={address}",
                f"--worker_id={worker_id}", "--threads=1", "--device=cpu", *flags]
        self.processes.append(Process(argv, os.path.join(self.dir, f"{worker_id}.log")))

    def logs(self):
        return "\n".join(f"--- {p.log_path}\n{p.log_tail()}" for p in self.processes)

    def stop(self):
        for process in reversed(self.processes):
            process.stop()
        self.db.drop()


def make_certificate(directory, stem):
    """A self-signed certificate for 127.0.0.1 (stem.pem, stem.key), made with
    the openssl CLI as controller/auth_test.cc does."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", os.path.join(directory, f"{stem}.key"),
         "-out", os.path.join(directory, f"{stem}.pem")],
        check=True, capture_output=True)
    return os.path.join(directory, f"{stem}.pem"), os.path.join(directory, f"{stem}.key")
