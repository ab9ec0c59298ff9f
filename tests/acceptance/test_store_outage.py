"""Real workers against an evidence bucket that does not exist: the evidence message is
retried with backoff (each try logged and counted, no verdict written), dead-lettered when
its retries are spent, and judged once replayed against the right bucket."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pipeline.adapters.s3 import make_s3_client
from pipeline.processes import Fleet
from pipeline.settings import Settings
from tests.acceptance.conftest import fleet_env
from tests.cli import run_cli
from tests.factories import JPEG, complaint_payload
from tests.upstream import send

pytestmark = pytest.mark.acceptance


def one(settings: Settings, sql: str) -> Any:
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
    return row[0] if row else None


def wait(check: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_missing_bucket_is_retried_counted_and_never_judged(
    settings: Settings, tmp_path: Path
) -> None:
    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG
    )
    absent = {
        **fleet_env(settings),
        "COMPLAINTS_S3_BUCKET": f"absent-{uuid.uuid4().hex[:12]}",
        "COMPLAINTS_WORKER_MAX_RETRIES": "2",
        "COMPLAINTS_EVIDENCE_MIN_BACKOFF_MS": "100",
        "COMPLAINTS_EVIDENCE_MAX_BACKOFF_MS": "400",
    }
    fleet = Fleet(env=absent, log_dir=tmp_path / "logs", processes=1, threads=2)
    try:
        fleet.start_workers()
        fleet.start_relay()
        send(settings, [complaint_payload()])
        wait(lambda: one(settings, "SELECT count(*) FROM dead_letters") == 1)
        fleet.stop()
        assert one(settings, "SELECT actor_name FROM dead_letters") == "evidence"
        tries = "SELECT sum(value) FROM counters WHERE name LIKE 'evidence_store_errors:%'"
        assert one(settings, tries) == 3, "the first try and two retries, each counted"
        assert one(settings, "SELECT count(*) FROM evidence_items WHERE verdict IS NULL") == 1
        assert one(settings, "SELECT status::text || '/' || stage::text FROM complaints") == (
            "in_review/evidence"
        )
        logs = "".join(p.read_text() for p in (tmp_path / "logs").glob("*"))
        assert logs.count('"reason": "NoSuchBucket"') >= 3
        assert "complaints-secret" not in logs
        status = run_cli(settings, "status", env=fleet_env(settings)).stdout
        assert "NoSuchBucket" in status

        fleet = Fleet(env=fleet_env(settings), log_dir=tmp_path / "logs2", processes=1, threads=2)
        fleet.start_workers()
        fleet.start_relay()
        assert "replayed 1 " in run_cli(settings, "dlq", "replay", "--all").stdout
        wait(lambda: one(settings, "SELECT status::text FROM complaints") == "awaiting_merchant")
        assert one(settings, "SELECT verdict::text FROM evidence_items") == "ok"
    finally:
        fleet.stop()
