"""Real-service helpers for tests: fresh databases cloned from a migrated template, a flushed
Redis database, and a clean S3 bucket. A service that does not answer fails the test run."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from psycopg import sql

from pipeline.adapters.s3 import make_s3_client
from pipeline.db.migrate import migrate, with_database
from pipeline.settings import Settings

TEST_REDIS_DB = int(os.environ.get("COMPLAINTS_TEST_REDIS_DB", "13"))


def base_settings() -> Settings:
    return Settings.from_env()


def db_url(settings: Settings, name: str) -> str:
    return with_database(settings.database_url, name)


def admin_url(settings: Settings) -> str:
    return db_url(settings, "postgres")


def service_missing(what: str, exc: Exception) -> None:
    pytest.fail(f"{what} does not answer ({exc}); start it with ./dev services up", pytrace=False)


def create_template(settings: Settings) -> str:
    name = f"complaints_tpl_{os.getpid()}"
    try:
        with psycopg.connect(admin_url(settings), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        service_missing("PostgreSQL", exc)
    migrate(db_url(settings, name))
    return name


#: How many times (2 ms apart) `drop_database` looks for the database's sessions to have
#: ended before FORCE ends what is left. A count, not a clock: some tests patch time.monotonic.
BACKEND_POLLS = 2500


def drop_database(settings: Settings, name: str, wait_for_backends: bool = True) -> None:
    """Drop the database, ending its sessions. `wait_for_backends`: first end them and poll
    until PostgreSQL has none left (a server process outlives its closed connection by a
    few milliseconds, and DROP ... WITH (FORCE) that meets one sleeps 100 ms at a time)."""
    with psycopg.connect(admin_url(settings), autocommit=True) as conn:
        if wait_for_backends:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            for _ in range(BACKEND_POLLS):
                left = conn.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE datname = %s LIMIT 1", (name,)
                ).fetchone()
                if left is None:
                    break
                time.sleep(0.002)
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def new_database_name() -> str:
    return f"complaints_t_{uuid.uuid4().hex[:12]}"


@contextmanager
def cloned_database(
    settings: Settings, template: str, wait_for_backends: bool = True, made: str | None = None
) -> Iterator[str]:
    """A new database cloned from `template`, dropped after. `made`: the clone, already made
    for this test (MadeAhead)."""
    name = made or new_database_name()
    if made is None:
        with psycopg.connect(admin_url(settings), autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
    try:
        yield db_url(settings, name)
    finally:
        drop_database(settings, name, wait_for_backends)


def test_redis_url(settings: Settings) -> str:
    base = settings.redis_url.rsplit("/", 1)[0]
    return f"{base}/{TEST_REDIS_DB}"


def flushed_redis(settings: Settings) -> str:
    url = test_redis_url(settings)
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.ConnectionError as exc:
        service_missing("Redis", exc)
    return url


_admin_clients: dict[tuple[str, ...], Any] = {}


def s3_admin_client(settings: Settings) -> Any:
    """One S3 client per endpoint and identity for the fixtures' bucket set-up and clean-up:
    making a boto3 client reads botocore's JSON models again, about 0.1 s each time."""
    key = (
        settings.s3_endpoint,
        settings.s3_region,
        settings.s3_access_key,
        settings.s3_secret_key,
        settings.s3_session_token,
        settings.s3_ca_bundle,
    )
    if key not in _admin_clients:
        _admin_clients[key] = make_s3_client(settings)
    return _admin_clients[key]


def new_bucket_name() -> str:
    return f"test-{uuid.uuid4().hex[:16]}"


@contextmanager
def clean_bucket(
    settings: Settings, s3: Any | None = None, made: str | None = None
) -> Iterator[str]:
    """A new, empty bucket, emptied and deleted after. `s3`: the client to do it with
    (default: a new one); `made`: the bucket, already made for this test (MadeAhead)."""
    s3 = s3 or make_s3_client(settings)
    bucket = made or new_bucket_name()
    if made is None:
        try:
            s3.create_bucket(Bucket=bucket)
        except Exception as exc:
            service_missing(f"S3 at {settings.s3_endpoint}", exc)
    try:
        yield bucket
    finally:
        delete_bucket(s3, bucket)


def delete_bucket(s3: Any, bucket: str) -> None:
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket):  # up to 1,000 keys a page and a call
        keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    s3.delete_bucket(Bucket=bucket)


ROOT = Path(__file__).resolve().parents[1]


class MadeAhead:
    """Each test's bucket and database made one test ahead by a helper process
    (tests/made_ahead.py says why): `bucket` and `database` hand out the one asked for last
    time, new and untouched, and ask for the next. None when there is none ready (the first
    test, or the helper failed): the caller then makes its own as before."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._proc: subprocess.Popen[str] | None = None
        self._pending: dict[str, str] = {}  # kind: the name asked for
        self._answers: dict[str, str] = {}
        self._unread = b""

    def bucket(self) -> str | None:
        ready = self._collect("bucket")
        self._ask("bucket", new_bucket_name())
        return ready

    def database(self, template: str) -> str | None:
        ready = self._collect("database")
        self._ask("database", new_database_name(), template)
        return ready

    def stop(self) -> None:
        """Nothing made ahead any more: what was asked for is deleted, the helper ends."""
        for kind in list(self._pending):
            self._discard(kind, self._collect(kind))
        if self._proc is not None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None

    def _ask(self, kind: str, name: str, *args: str) -> None:
        if self._proc is None:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "tests.made_ahead"],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            self._unread = b""
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(" ".join([kind, name, *args]) + "\n")
            self._proc.stdin.flush()
        except OSError:  # the helper is gone: nothing is made ahead
            return
        self._pending[kind] = name

    def _collect(self, kind: str) -> str | None:
        """The `kind` asked for, once the helper made it; None if it could not."""
        name = self._pending.pop(kind, None)
        if name is None:
            return None
        while name not in self._answers and self._proc is not None:
            line = self._read_line()
            if line is None:  # no answer in a minute, or the helper died: no more from it
                self._proc.kill()
                self._proc.wait()
                self._proc = None
                break
            _, answered, *_ = line.split()
            self._answers[answered] = line
        if self._answers.pop(name, "") == f"ok {name}":
            return name
        self._discard(kind, name)  # half made, perhaps
        return None

    def _read_line(self) -> str | None:
        """The helper's next answer (read unbuffered: `select` sees only the pipe)."""
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        while b"\n" not in self._unread:
            ready, _, _ = select.select([fd], [], [], 60)
            chunk = os.read(fd, 4096) if ready else b""
            if not chunk:
                return None
            self._unread += chunk
        line, _, self._unread = self._unread.partition(b"\n")
        return line.decode()

    def _discard(self, kind: str, name: str | None) -> None:
        if name is None:
            return
        try:
            if kind == "bucket":
                delete_bucket(s3_admin_client(self.settings), name)
            else:
                drop_database(self.settings, name)
        except Exception:
            pass


def settings_for(settings: Settings, database_url: str, redis_url: str, bucket: str) -> Settings:
    return replace(settings, database_url=database_url, redis_url=redis_url, s3_bucket=bucket)


Conn = psycopg.Connection[tuple[Any, ...]]
