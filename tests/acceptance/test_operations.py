"""Operations with real workers: a poisoned message ends in the dead-letter table and is
replayed once after the cause is fixed; SIGTERM drains without loss or duplicates; status
and metrics agree with PostgreSQL and Redis."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from dramatiq import Message

from pipeline.adapters.s3 import make_s3_client
from pipeline.processes import Fleet
from pipeline.progress import wait_until_settled
from pipeline.sample import Generator, upload_all
from pipeline.settings import Settings
from tests.acceptance.conftest import fleet_env
from tests.cli import run_cli
from tests.factories import JPEG, complaint_payload
from tests.upstream import send
from workers.broker import build_broker

pytestmark = pytest.mark.acceptance


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(settings, *args, env=fleet_env(settings))


def wait(check: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def one(settings: Settings, sql: str) -> Any:
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
    return row[0] if row else None


def test_poisoned_message_is_archived_and_replayed_once(settings: Settings, tmp_path: Path) -> None:
    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG
    )
    broken = {
        **fleet_env(settings),
        "COMPLAINTS_S3_ENDPOINT": "http://127.0.0.1:9",
        "COMPLAINTS_WORKER_MAX_RETRIES": "0",
    }
    fleet = Fleet(env=broken, log_dir=tmp_path / "logs", processes=1, threads=2)
    try:
        fleet.start_workers()
        fleet.start_relay()
        send(settings, [complaint_payload()])
        wait(lambda: one(settings, "SELECT count(*) FROM dead_letters") == 1)
        fleet.stop()
        assert one(settings, "SELECT actor_name FROM dead_letters") == "evidence"
        assert redis.Redis.from_url(settings.redis_url).zcard("dramatiq:evidence.XQ") == 1
        listed = cli(settings, "dlq", "list", "--pending")
        assert "evidence" in listed.stdout and "failures=1" in listed.stdout

        fixed = Fleet(env=fleet_env(settings), log_dir=tmp_path / "logs2", processes=1, threads=2)
        fleet = fixed
        fixed.start_workers()
        fixed.start_relay()
        assert "replayed 1 " in cli(settings, "dlq", "replay", "--all").stdout
        wait(lambda: one(settings, "SELECT status::text FROM complaints") == "awaiting_merchant")
        assert "replayed 0 " in cli(settings, "dlq", "replay", "--all").stdout
        assert redis.Redis.from_url(settings.redis_url).zcard("dramatiq:evidence.XQ") == 0
        assert (
            one(settings, "SELECT count(*) FROM complaint_events WHERE event = 'evidence.accepted'")
            == 1
        )
        purge = cli(settings, "dlq", "purge")
        assert purge.returncode == 2 and "--yes-delete-replayed" in purge.stderr
        assert "purged 1 " in cli(settings, "dlq", "purge", "--yes-delete-replayed").stdout
    finally:
        fleet.stop()


def test_sigterm_drains_then_status_and_metrics_agree(settings: Settings, fleet: Fleet) -> None:
    gen = Generator(seed=5, now=datetime.now(UTC), source="drain")
    samples = gen.generate(400)
    upload_all(make_s3_client(settings, max_pool=32), settings.s3_bucket, gen.uploads)
    fleet.start_workers()
    fleet.start_relay()
    fleet.start_scheduler()
    send(settings, [s.payload for s in samples])
    wait(
        lambda: (
            (
                one(settings, "SELECT count(*) FROM complaints WHERE status = 'awaiting_merchant'")
                or 0
            )
            > 40
        )
    )
    assert fleet.terminate("workers") == 0  # graceful: in-flight messages finish or requeue
    fleet.start_workers("workers-again")
    wait_until_settled(settings.database_url, "drain", len(samples), timeout=240)
    assert (
        one(
            settings,
            "SELECT count(*) FROM (SELECT complaint_id, event FROM"
            " complaint_events GROUP BY 1, 2 HAVING count(*) > 1) d",
        )
        == 0
    )
    assert (
        one(
            settings,
            "SELECT count(*) FROM notifications WHERE delivered_at IS NULL OR attempts <> 1",
        )
        == 0
    )

    shown = json.loads(cli(settings, "status", "--json").stdout)
    with psycopg.connect(settings.database_url) as conn:
        by_status = dict(
            conn.execute("SELECT status::text, count(*) FROM complaints GROUP BY 1").fetchall()
        )
    assert shown["complaints_by_status"] == by_status
    r = redis.Redis.from_url(settings.redis_url)
    for q in shown["queues"]:
        assert q["depth"] == r.llen(f"dramatiq:{q['queue']}")
    assert shown["outbox_backlog"] == one(settings, "SELECT count(*) FROM outbox")
    assert shown["live_workers"] >= 2
    text = exporter_text(settings)
    for status, n in by_status.items():
        assert f'complaints_open_by_status{{status="{status}"}} {float(n)}' in text
    assert 'complaints_queue_depth{queue="review"} 0.0' in text
    assert "complaints_outbox_backlog 0.0" in text


def test_a_message_that_kills_its_worker_is_dead_lettered_after_the_limit(
    settings: Settings, tmp_path: Path
) -> None:
    env = {**fleet_env(settings), "COMPLAINTS_WORKER_MAX_DELIVERIES": "2"}
    fleet = Fleet(env=env, log_dir=tmp_path / "logs", processes=1, threads=1)
    broker = build_broker(settings)
    broker.enqueue(
        Message(queue_name="review", actor_name="self_destruct", args=(1,), kwargs={}, options={})
    )
    broker.close()
    restarts = 0
    try:
        deadline = time.monotonic() + 150
        while one(settings, "SELECT count(*) FROM dead_letters") == 0:
            assert time.monotonic() < deadline, "poison message was never dead-lettered"
            if not fleet.alive("workers"):
                fleet.procs.pop("workers", None)
                fleet.start_workers("workers", "tests.poison_actors")
                restarts += 1
            time.sleep(0.2)
    finally:
        fleet.stop()
    assert restarts >= 3  # killed at deliveries 1 and 2; the third is refused unprocessed
    assert one(settings, "SELECT deliveries FROM message_deliveries") == 3
    assert "poison: delivered 3 times" in one(settings, "SELECT error FROM dead_letters")
    r = redis.Redis.from_url(settings.redis_url)
    assert r.llen("dramatiq:review") == 0


def test_a_complaint_whose_message_vanished_is_redriven(settings: Settings, tmp_path: Path) -> None:
    from pipeline.db.pool import make_pool
    from pipeline.db.store import unit_of_work
    from pipeline.handlers.intake import accept
    from schemas.complaint import parse_complaint

    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG
    )
    pool = make_pool(settings.database_url, 1)
    pool.open(wait=True)
    with unit_of_work(pool) as store:
        accept(store, [(parse_complaint(complaint_payload()), None)])
    pool.close()
    env = {**fleet_env(settings), "COMPLAINTS_REDRIVE_AFTER_SECONDS": "2"}
    fleet = Fleet(env=env, log_dir=tmp_path / "logs", processes=1, threads=2)
    r = redis.Redis.from_url(settings.redis_url)
    try:
        fleet.start_relay()
        wait(lambda: r.llen("dramatiq:review") == 1)
        r.delete("dramatiq:review", "dramatiq:review.msgs")  # the message is lost
        fleet.start_workers()
        fleet.start_scheduler()
        wait(
            lambda: one(settings, "SELECT status::text FROM complaints") == "awaiting_merchant",
            timeout=90,
        )
    finally:
        fleet.stop()
    assert one(settings, "SELECT value FROM counters WHERE name = 'redriven'") >= 1
    assert json.loads(cli(settings, "status", "--json").stdout)["redriven_total"] >= 1


def exporter_text(settings: Settings) -> str:
    """What `complaints exporter` serves, read once through its collector."""
    from prometheus_client import generate_latest

    from pipeline.db.pool import opened_pool
    from pipeline.ops.metrics import registry_with
    from pipeline.ops.status import snapshot

    client = redis.Redis.from_url(settings.redis_url)
    with opened_pool(settings.database_url, 1, "test") as pool:
        registry = registry_with(lambda: snapshot(pool, client, 60_000))
        return generate_latest(registry).decode()
