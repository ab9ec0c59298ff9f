"""The commands a deployment runs before the pipeline: `migrate --check` (an init
container's wait), `storage init` (the evidence bucket), `exporter` (the one source of
pipeline-wide gauges) and the workers' own heartbeat behind `live_workers`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace

import httpx
import psycopg
import pytest
import redis
from psycopg import sql

from pipeline.adapters.s3 import make_s3_client
from pipeline.db.migrate import migrate, with_database
from pipeline.ops.status import WORKERS_KEY, live_workers
from pipeline.settings import Settings
from tests import services
from tests.api_server import free_port
from tests.cli import run_cli

pytestmark = pytest.mark.integration


@pytest.fixture
def empty_database(base_settings: Settings) -> Iterator[str]:
    name = f"check_{uuid.uuid4().hex[:10]}"
    url = with_database(base_settings.database_url, name)
    try:
        yield url
    finally:
        services.drop_database(base_settings, name)


def test_migrate_check_names_what_is_missing_and_changes_nothing(
    settings: Settings, empty_database: str
) -> None:
    at = replace(settings, database_url=empty_database)
    missing_db = run_cli(at, "migrate", "--check")
    assert missing_db.returncode == 1 and "cannot read the migration state" in missing_db.stderr
    # --check creates nothing, not even the database.
    with psycopg.connect(with_database(settings.database_url, "postgres"), autocommit=True) as c:
        name = empty_database.rsplit("/", 1)[1]
        assert c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    empty = run_cli(at, "migrate", "--check")
    assert empty.returncode == 1
    assert "migration(s) not applied" in empty.stderr and "0001 " in empty.stderr
    with psycopg.connect(empty_database) as conn:
        assert conn.execute("SELECT to_regclass('alembic_version')").fetchone() == (None,)
    migrate(empty_database)
    done = run_cli(at, "migrate", "--check")
    assert done.returncode == 0, done.stderr


def test_migrate_check_waits_until_the_database_is_migrated(
    settings: Settings, empty_database: str
) -> None:
    at = replace(settings, database_url=empty_database)
    waiter = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "migrate", "--check", "--wait", "60"],
        env={**os.environ, "COMPLAINTS_DATABASE_URL": empty_database},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        time.sleep(1.0)
        assert waiter.poll() is None
        assert run_cli(at, "migrate").returncode == 0
        assert waiter.wait(timeout=30) == 0
    finally:
        waiter.kill()
        waiter.wait()


def test_storage_init_creates_the_bucket_then_verifies_it(settings: Settings) -> None:
    bucket = f"init-{uuid.uuid4().hex[:12]}"
    at = replace(settings, s3_bucket=bucket)
    s3 = make_s3_client(settings)
    refused = run_cli(at, "storage", "init", "--no-create")
    assert refused.returncode == 1 and f"bucket {bucket} does not exist" in refused.stderr
    try:
        first = run_cli(at, "storage", "init")
        assert first.returncode == 0, first.stderr
        assert f"created bucket {bucket}" in first.stdout
        again = run_cli(at, "storage", "init", "--no-create")
        assert again.returncode == 0 and "verified put, get and delete" in again.stdout
        assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0  # no litter
    finally:
        s3.delete_bucket(Bucket=bucket)


def test_storage_init_with_wrong_credentials_says_so(settings: Settings) -> None:
    wrong = run_cli(settings, "storage", "init", env={"COMPLAINTS_S3_SECRET_KEY": "wrong-secret"})
    assert wrong.returncode == 1
    assert "error: bucket" in wrong.stderr and "Traceback" not in wrong.stderr


def test_live_workers_counts_the_workers_heartbeat_not_dramatiqs(settings: Settings) -> None:
    client = redis.Redis.from_url(settings.redis_url)
    now_ms = time.time() * 1000
    client.zadd("dramatiq:__heartbeats__", {"relay-producer": now_ms})  # what a relay does
    assert live_workers(client, 60_000) == 0
    client.zadd(WORKERS_KEY, {"host:1": now_ms, "host:2": now_ms - 120_000})
    assert live_workers(client, 60_000) == 1


def test_exporter_serves_cached_gauges_and_health(settings: Settings) -> None:
    port = free_port()
    env = {
        **os.environ,
        "COMPLAINTS_DATABASE_URL": settings.database_url,
        "COMPLAINTS_REDIS_URL": settings.redis_url,
        "COMPLAINTS_EXPORTER_CACHE_SECONDS": "30",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "exporter", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        first = httpx.get(f"{url}/metrics", timeout=10).text
        assert "# TYPE complaints_redriven_total counter" in first
        assert "complaints_live_workers 0.0" in first
        redis.Redis.from_url(settings.redis_url).zadd(WORKERS_KEY, {"h:1": time.time() * 1000})
        # Within the cache window a scrape reads nothing again.
        assert "complaints_live_workers 0.0" in httpx.get(f"{url}/metrics", timeout=10).text
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
