"""Fault injectors for the chaos suite: they break real processes and services on purpose."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
import redis

from pipeline.processes import Fleet
from pipeline.progress import read_progress
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def progress(settings: Settings, source: str) -> Any:
    """Current progress, or None while PostgreSQL is away."""
    try:
        with psycopg.connect(settings.database_url, autocommit=True, connect_timeout=3) as conn:
            return read_progress(conn, source)
    except psycopg.OperationalError:
        return None


def wait_for_progress(
    settings: Settings, source: str, dispatched: int, timeout: float = 120
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        p = progress(settings, source)
        if p is not None and p.dispatched >= dispatched:
            return
        assert time.monotonic() < deadline, f"no progress before the fault: {p}"
        time.sleep(0.2)


def counter(settings: Settings, name: str) -> int:
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute("SELECT value FROM counters WHERE name = %s", (name,)).fetchone()
    return int(row[0]) if row else 0


def count_status(settings: Settings, status: str) -> int:
    try:
        with psycopg.connect(settings.database_url, connect_timeout=3) as conn:
            row = conn.execute(
                "SELECT count(*) FROM complaints WHERE status = %s", (status,)
            ).fetchone()
    except psycopg.OperationalError:
        return -1
    return int(row[0]) if row else 0


def count_events(settings: Settings, event: str) -> int:
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM complaint_events WHERE event = %s", (event,)
        ).fetchone()
    return int(row[0]) if row else 0


def fired_twice(settings: Settings) -> list[Any]:
    """(complaint, deadline kind) pairs fired more than once for the same clock start."""
    with psycopg.connect(settings.database_url) as conn:
        return conn.execute(
            "SELECT complaint_id, kind, started_at FROM deadlines WHERE state = 'fired'"
            " GROUP BY 1, 2, 3 HAVING count(*) > 1"
        ).fetchall()


def queues_empty(settings: Settings) -> bool:
    """No message waiting in any queue (re-driven duplicates included: they are no-ops, but
    the run is only over when they are consumed)."""
    try:
        r = redis.Redis.from_url(settings.redis_url)
        return not any(r.llen(k) for k in r.keys("dramatiq:*") if r.type(k) == b"list")
    except redis.RedisError:
        return False


def restart_if_dead(fleet: Fleet, name: str) -> bool:
    proc = fleet.procs.get(name)
    if proc is not None and proc.poll() is None:
        return False
    fleet.procs.pop(name, None)
    if name.startswith("workers"):
        fleet.start_workers(name)
    elif name.startswith("relay"):
        fleet.start_relay(name)
    else:
        fleet.start_scheduler(name)
    return True


def kill_random_worker_process(fleet: Fleet) -> int:
    """kill -9 one forked worker process (dramatiq then stops the rest; we restart)."""
    main = fleet.procs["workers"]
    children = subprocess.run(
        ["pgrep", "-P", str(main.pid)], capture_output=True, text=True
    ).stdout.split()
    victim = int(random.choice(children)) if children else main.pid
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while main.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    if main.poll() is None:
        os.killpg(main.pid, signal.SIGKILL)
        main.wait(10)
    restart_if_dead(fleet, "workers")
    return victim


def restart_redis(settings: Settings) -> None:
    """Stop Redis without saving and start it again empty (it keeps nothing on disk here)."""
    stop_redis(settings)
    start_redis(settings)


def _redis_port(settings: Settings) -> int:
    client = redis.Redis.from_url(settings.redis_url)
    return int(client.connection_pool.connection_kwargs.get("port", 6379))


def stop_redis(settings: Settings) -> None:
    client = redis.Redis.from_url(settings.redis_url)
    try:
        client.shutdown(nosave=True)
    except redis.ConnectionError:
        pass  # it went away while answering, as it should


def start_redis(settings: Settings) -> None:
    """Start the Redis that `stop_redis` stopped, empty, on the same port."""
    data = ROOT / ".local" / "redis-chaos"
    data.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            str(_redis_port(settings)),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(data),
            "--logfile",
            str(data / "redis.log"),
        ],
        check=True,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            if redis.Redis.from_url(settings.redis_url).ping():
                return
        except redis.ConnectionError:
            pass
        assert time.monotonic() < deadline, "Redis did not come back"
        time.sleep(0.1)


def restart_postgres() -> None:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    assert versions, "PostgreSQL restart needs a Debian cluster (pg_ctlcluster)"
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart"],
        check=True,
        timeout=120,
    )


def seaweedfs_pid() -> int:
    local = Path(os.environ.get("COMPLAINTS_LOCAL_DIR", ROOT / ".local"))
    pid_file = local / "run" / "seaweedfs.pid"
    assert pid_file.exists(), (
        f"{pid_file} missing: the S3 outage scenario stops the SeaweedFS that "
        "deploy/local/services.sh started"
    )
    return int(pid_file.read_text())


def freeze_s3(seconds: float) -> None:
    """The S3 server stops answering for `seconds` (SIGSTOP), then resumes (SIGCONT)."""
    pid = seaweedfs_pid()
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(seconds)
    finally:
        os.kill(pid, signal.SIGCONT)
