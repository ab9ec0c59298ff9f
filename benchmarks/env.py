"""The benchmark's own database, Redis db and bucket, and process management."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import redis
from psycopg import sql

from pipeline.adapters.s3 import make_s3_client
from pipeline.db.migrate import migrate, with_database
from pipeline.settings import Settings
from workers.launch import dramatiq_env

#: Defaults; COMPLAINTS_BENCH_DATABASE, COMPLAINTS_BENCH_REDIS_DB and COMPLAINTS_BENCH_BUCKET
#: override them, so that two runs on one shared server do not drop each other's database,
#: flush each other's Redis db or overwrite each other's evidence.
BENCH_DB = "complaints_bench"
BENCH_REDIS_DB = 14
BENCH_BUCKET = "complaints-bench"


def bench_names(environ: Mapping[str, str]) -> tuple[str, int, str]:
    """The benchmark's database name, Redis db number and bucket."""
    return (
        environ.get("COMPLAINTS_BENCH_DATABASE") or BENCH_DB,
        int(environ.get("COMPLAINTS_BENCH_REDIS_DB") or BENCH_REDIS_DB),
        environ.get("COMPLAINTS_BENCH_BUCKET") or BENCH_BUCKET,
    )


@dataclass
class BenchEnv:
    settings: Settings
    log_dir: Path

    @property
    def env(self) -> dict[str, str]:
        return {
            "COMPLAINTS_DATABASE_URL": self.settings.database_url,
            "COMPLAINTS_REDIS_URL": self.settings.redis_url,
            "COMPLAINTS_S3_BUCKET": self.settings.s3_bucket,
            "COMPLAINTS_LOG_LEVEL": "WARNING",
            "COMPLAINTS_LOG_FORMAT": "json",
            "COMPLAINTS_DB_POOL_MAX_SIZE": "8",
            **dramatiq_env(self.settings),
        }

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.settings.redis_url)

    @property
    def database(self) -> str:
        return urlsplit(self.settings.database_url).path.lstrip("/")

    @property
    def scratch_url(self) -> str:
        """A second database migrated like the benchmark's, where the harness runs intake
        to see which rows it writes (benchmarks/intake_floor.py)."""
        return with_database(self.settings.database_url, f"{self.database}_scratch")

    def reset(self) -> None:
        """Fresh database (and its scratch twin), flushed Redis db, existing bucket."""
        base = self.settings.database_url
        dbs = [self.database, f"{self.database}_scratch"]
        with psycopg.connect(with_database(base, "postgres"), autocommit=True) as conn:
            for name in dbs:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbs[0])))
        migrate(self.settings.database_url)
        with psycopg.connect(with_database(base, "postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(dbs[1]), sql.Identifier(dbs[0])
                )
            )
        with psycopg.connect(self.settings.database_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE bench_counter (id int PRIMARY KEY, n bigint NOT NULL)")
            conn.execute("INSERT INTO bench_counter SELECT g, 0 FROM generate_series(0, 63) g")
            conn.execute(
                "CREATE TABLE bench_log (id bigserial PRIMARY KEY, n int NOT NULL,"
                " at timestamptz NOT NULL DEFAULT now())"
            )
        self.redis().flushdb()
        s3 = make_s3_client(self.settings)
        names = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
        if self.settings.s3_bucket not in names:
            s3.create_bucket(Bucket=self.settings.s3_bucket)

    def spawn(
        self,
        name: str,
        args: list[str],
        extra_env: dict[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")
        return subprocess.Popen(
            args,
            env={**os.environ, **self.env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def dramatiq(
        self,
        module: str,
        processes: int,
        threads: int,
        queues: list[str],
        name: str,
    ) -> subprocess.Popen[bytes]:
        return self.spawn(
            name,
            [
                sys.executable,
                "-m",
                "dramatiq",
                module,
                "--processes",
                str(processes),
                "--threads",
                str(threads),
                "--queues",
                *queues,
            ],
        )

    def cli(
        self, name: str, *args: str, extra_env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        return self.spawn(name, [sys.executable, "-m", "pipeline.cli", *args], extra_env)


def make_env(base: Settings, log_dir: Path, environ: Mapping[str, str] = os.environ) -> BenchEnv:
    database, redis_db, bucket = bench_names(environ)
    redis_url = base.redis_url.rsplit("/", 1)[0] + f"/{redis_db}"
    settings = replace(
        base,
        database_url=with_database(base.database_url, database),
        redis_url=redis_url,
        s3_bucket=bucket,
    )
    return BenchEnv(settings, log_dir)


def stop(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    import signal

    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def wait_until(check: Any, timeout: float, poll: float = 0.02) -> float:
    """Poll `check()` until true; return the monotonic time it became true."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return time.monotonic()
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step timed out")
        time.sleep(poll)


HEARTBEATS = "dramatiq:__heartbeats__"


def heartbeats(r: redis.Redis) -> set[Any]:
    """Worker processes that fetched from the broker. A stopped one stays listed until
    Dramatiq's maintenance finds it dead (a minute later), so counting the set is not
    counting the workers that run now."""
    return set(r.zrange(HEARTBEATS, 0, -1))


def wait_for_new_workers(r: redis.Redis, known: set[bytes], count: int, timeout: float) -> float:
    """Wait until `count` worker processes not in `known` fetch from the broker (each
    writes its heartbeat on its first fetch, once it has booted); return when."""
    return wait_until(lambda: len(heartbeats(r) - known) >= count, timeout)


def wait_for_finish(
    check: Callable[[], tuple[int, bool]],
    total: int,
    timeout: float,
    finest: float = 0.02,
    coarsest: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Poll `check()` -> (items done, finished) until finished; return the time it was seen.

    A progress query that walks the run's rows costs the database being measured (polled
    every 50 ms it took a tenth of a core), so each wait is a quarter of the time left at
    the rate so far, between `finest` and `coarsest`: a few dozen polls per run, and the
    end is still seen within about `finest`."""
    start = clock()
    while True:
        done, finished = check()
        now = clock()
        if finished:
            return now
        if now - start > timeout:
            raise TimeoutError("benchmark step timed out")
        left = (total - done) * (now - start) / done if done else coarsest
        sleep(min(coarsest, max(finest, left / 4)))


def machine_facts(database_url: str) -> dict[str, Any]:
    def version(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return "unknown"

    import dramatiq
    import psycopg as pg

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "dramatiq": dramatiq.__version__,
        "psycopg": pg.__version__,
        "postgres": version(["psql", "--version"]),
        "redis": version(["redis-server", "--version"]),
        "commit": version(["git", "rev-parse", "--short", "HEAD"]),
        "postgres_settings": postgres_settings(database_url),
    }


def postgres_settings(database_url: str) -> dict[str, str]:
    """The server settings that move the figures most (a shared server may differ from
    the defaults: autovacuum off leaves dead rows of the queue tables in every scan)."""
    names = ["autovacuum", "synchronous_commit", "shared_buffers", "fsync", "server_version"]
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", (names,)
        ).fetchall()
    return {str(name): str(setting) for name, setting in rows}
