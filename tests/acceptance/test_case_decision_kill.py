"""A case decision through real dramatiq workers, with a kill -9 of the workers while its
messages are being handled: each complaint of the case gets its decision event once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from pipeline.adapters.s3 import make_s3_client
from pipeline.db.pool import make_pool
from pipeline.db.store import unit_of_work
from pipeline.handlers.case_decisions import decide_case
from pipeline.processes import Fleet
from pipeline.settings import Settings
from tests.factories import JPEG, complaint_payload
from tests.upstream import send

pytestmark = pytest.mark.acceptance

COUNT = 300
NO_FOUR_EYES = 10**12  # the four-eyes rule is tested in tests/integration/test_cases.py


def _one(conn: Any, sql: str, *args: Any) -> Any:
    row = conn.execute(sql, args).fetchone()
    return row[0] if row else None


def _wait(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_a_case_decision_survives_a_worker_kill(settings: Settings, fleet: Fleet) -> None:
    s3 = make_s3_client(settings, max_pool=16)
    payloads = []
    for n in range(COUNT):
        key = f"evidence/b_{n}/9f2c.jpg"
        s3.put_object(Bucket=settings.s3_bucket, Key=key, Body=JPEG)
        p = complaint_payload(external_id=f"k-{n}", buyer_id=f"b_{n}", order__order_id=f"o-{n}")
        p["evidence"][0]["key"] = key
        payloads.append(p)
    fleet.start_workers()
    fleet.start_relay()
    send(settings, payloads)
    linked = "SELECT count(*) FROM complaints WHERE case_id IS NOT NULL"
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        _wait(
            lambda: _one(conn, linked) == COUNT,
            180,
            "the complaints did not all join one case",
        )
        case_id = _one(conn, "SELECT id::text FROM cases")
        assert _one(conn, "SELECT count(*) FROM cases") == 1
        fleet.terminate("workers")  # the decision's messages wait in Redis meanwhile
        pool = make_pool(settings.database_url, 1, name="test")
        pool.open(wait=True)
        outcome = {"decision": "buyer_wins", "amount_cents": 12900}
        with unit_of_work(pool) as store:
            first = decide_case(store, case_id, "batch-1", outcome, "r-1", "s_a", NO_FOUR_EYES)
        assert (first.outcome, first.sent_to) == ("applied", COUNT)
        decided = "SELECT count(*) FROM complaint_events WHERE event = 'platform.case_decide'"
        fleet.start_workers("workers-2")
        _wait(lambda: _one(conn, decided) > 0, 60, "no decision applied")
        fleet.kill("workers-2")
        killed_at = _one(conn, decided)
        assert killed_at < COUNT, "the kill came too late to test anything"
        with unit_of_work(pool) as store:  # the decision retried: nothing new is sent
            again = decide_case(store, case_id, "batch-1", outcome, "r-1", "s_a", NO_FOUR_EYES)
        assert (again.outcome, again.sent_to) == ("replayed", 0)
        pool.close()
        fleet.start_workers("workers-3")
        _wait(lambda: _one(conn, decided) >= COUNT, 180, "not every complaint was decided")
        time.sleep(1)  # redelivered copies, if any, would land now
        per_complaint = conn.execute(
            "SELECT complaint_id, count(*) FROM complaint_events"
            " WHERE event = 'platform.case_decide' GROUP BY 1"
        ).fetchall()
        statuses = conn.execute("SELECT DISTINCT status::text FROM complaints").fetchall()
    assert len(per_complaint) == COUNT and {n for _, n in per_complaint} == {1}
    assert statuses == [("remedy_in_progress",)]
