"""The benchmark's CPU meter against real processes: a worker tree's CPU (its children's
included) is the workers', a busy process outside the tree is not, and a query's CPU is
PostgreSQL's."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from benchmarks.cpu import CpuMeter, descendants, snapshot

pytestmark = pytest.mark.integration

SPIN = "import time\nwhile True: pass"
#: A parent that starts a spinning child, then sleeps: the tree's CPU is the child's.
PARENT = (
    "import subprocess, sys, time\n"
    f"subprocess.Popen([sys.executable, '-c', {SPIN!r}])\n"
    "time.sleep(600)"
)


@contextmanager
def running(code: str) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    try:
        yield proc
    finally:
        for pid in descendants(proc.pid) - {proc.pid}:
            subprocess.run(["kill", "-9", str(pid)], check=False)
        proc.kill()
        proc.wait(10)


def wait_for(check: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_worker_trees_cpu_is_the_workers_and_an_outsiders_is_not() -> None:
    with running(PARENT) as tree, running(SPIN) as outsider:
        wait_for(lambda: len(descendants(tree.pid)) == 2)
        meter = CpuMeter(tree.pid)
        start = snapshot(tree.pid)

        def child_ran() -> bool:  # the tree's spinner has been charged a tick since
            now = snapshot(tree.pid)
            child = [k for k in now if k[1] == "workers" and k[0] != tree.pid]
            return bool(child) and now[child[0]] > start.get(child[0], 0.0)

        wait_for(child_ran)
        usage = meter.stop()
        snap = snapshot(tree.pid)
        workers = {pid for pid, kind in snap if kind == "workers"}
        assert workers == descendants(tree.pid) and len(workers) == 2
        assert all(pid != outsider.pid for pid, _ in snap)
    assert usage.seconds["workers"] > 0
    assert usage.machine_busy_cores > 0
    assert set(usage.seconds) == {"workers", "postgres", "s3", "harness", "redis", "other"}


def test_a_process_of_no_known_kind_is_not_measured() -> None:
    with running(SPIN) as outsider:
        snap = snapshot(None)
        assert not any(pid == outsider.pid for pid, _ in snap)


def test_a_querys_cpu_is_postgres(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        meter = CpuMeter(None)
        conn.execute("SELECT count(*) FROM generate_series(1, 3000000)")
        usage = meter.stop()
    assert usage.seconds["postgres"] > 0
    assert usage.seconds["workers"] == 0
