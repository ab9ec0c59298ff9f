"""Steps' writes deferred to the next read or the commit (pipeline.db.pending), against a
real database: read-your-writes, the version guard, and a group of breaches written
set-based ending exactly where breaches one by one would."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from pipeline.db import complaints, events
from pipeline.db.pending import StaleTransition
from pipeline.db.store import unit_of_work
from pipeline.domain.status import Stage, Status
from pipeline.domain.transitions import Event
from pipeline.settings import Settings
from tests.factories import complaint_payload
from tests.inline import stage
from workers import actors
from workers.runtime import bound, runtime
from workers.scheduler import schedule_once

pytestmark = pytest.mark.integration


@pytest.fixture
def rt(settings: Settings) -> Iterator[Settings]:
    with bound(settings):
        yield settings


def q(settings: Settings, query: str, *params: Any) -> list[dict[str, Any]]:
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        return conn.execute(query, params).fetchall()  # type: ignore[call-overload,no-any-return]


def accepted(settings: Settings, n: int) -> list[str]:
    base = complaint_payload(evidence=[])
    for i in range(n):
        order = {**base["order"], "order_id": f"o_{i}"}
        actors.intake.fn({**base, "external_id": f"d-{i}", "order": order})
    return [str(r["id"]) for r in q(settings, "SELECT id FROM complaints ORDER BY id")]


def test_a_read_sees_the_steps_written_before_it(rt: Settings) -> None:
    (cid,) = accepted(rt, 1)
    with unit_of_work(runtime().pool) as store:
        c = store.lock(cid)
        assert c is not None
        flagged = store.apply(c, Event.REVIEW_FLAGGED, stage=Stage.MANUAL_REVIEW, flags=["x"])
        assert store.pending, "the step is deferred"
        again = store.lock(cid)  # served from memory: the row with the step applied
        assert again is not None and again.row == flagged.row
        row = complaints.get(store, cid)  # a read writes what is pending first
        assert not store.pending
        assert row is not None
        assert (row.stage, row.flags, row.version) == ("manual_review", ["x"], 2)
        timeline = events.timeline(store, cid, limit=10, offset=0)
        assert [e["event"] for e in timeline][-1] == Event.REVIEW_FLAGGED


def test_a_step_on_an_outdated_row_is_refused(rt: Settings) -> None:
    (cid,) = accepted(rt, 1)
    with pytest.raises(StaleTransition):
        with unit_of_work(runtime().pool) as store:
            c = store.lock(cid)
            assert c is not None
            store.apply(c, Event.REVIEW_FLAGGED, stage=Stage.MANUAL_REVIEW, flags=["x"])
            store.apply(c, Event.REVIEW_PASSED, stage=Stage.EVIDENCE)  # `c` is the old row
    assert q(rt, "SELECT version FROM complaints") == [{"version": 1}]


def test_the_version_guard_holds_at_the_write(rt: Settings) -> None:
    (cid,) = accepted(rt, 1)
    with pytest.raises(StaleTransition, match=cid):
        with unit_of_work(runtime().pool) as store:
            c = store.lock(cid)
            assert c is not None
            store.apply(c, Event.REVIEW_PASSED, stage=Stage.EVIDENCE)
            # Something bypassing the store changes the row before the deferred write.
            store.conn.execute("UPDATE complaints SET version = version + 5 WHERE id = %s", (cid,))
    row = q(rt, "SELECT status::text, stage::text, version FROM complaints")
    assert row == [{"status": Status.IN_REVIEW, "stage": Stage.REVIEW, "version": 1}]
    assert len(q(rt, "SELECT 1 FROM complaint_events")) == 1, "nothing of the step was kept"


def _fired_breaches(settings: Settings, cids: list[str]) -> list[list[Any]]:
    """Waiting on their merchants and past due: the scheduler's breach messages, unsent."""
    with psycopg.connect(settings.database_url) as conn:
        conn.execute(
            "UPDATE complaints SET status = 'awaiting_merchant', stage = 'parties'"
            " WHERE id = ANY(%s::uuid[])",
            (cids,),
        )
        conn.execute(
            "UPDATE deadlines SET kind = 'merchant_answer', party = 'merchant',"
            " started_at = now() - interval '3 days',"
            " due_at = now() - interval '1 minute', warn_at = now() - interval '3 days'"
            " WHERE complaint_id = ANY(%s::uuid[])",
            (cids,),
        )
    schedule_once(runtime().pool, runtime().clock(), 100)
    return [
        [str(uuid.uuid4()), r["payload"]]
        for r in q(settings, "SELECT payload FROM outbox WHERE actor_name = 'sla_breach'")
    ]


def test_a_breach_group_with_a_repeat_ends_as_breaches_one_by_one(rt: Settings) -> None:
    cids = accepted(rt, 3)
    items = _fired_breaches(rt, cids)
    assert len(items) == 3
    stage("sla_breach").fn([*items, [str(uuid.uuid4()), items[0][1]]])  # one twice
    rows = q(rt, "SELECT status::text, version FROM complaints")
    assert rows == [{"status": "remedy_in_progress", "version": 3}] * 3
    clocks = q(
        rt,
        "SELECT kind, state::text, closed_at IS NOT NULL AS closed FROM deadlines"
        " WHERE complaint_id = %s ORDER BY id",
        cids[0],
    )
    assert clocks == [
        {"kind": "merchant_answer", "state": "fired", "closed": False},
        {"kind": "platform_arbitration", "state": "closed", "closed": True},
        {"kind": "merchant_remedy", "state": "open", "closed": False},
    ]
    breaches = q(rt, "SELECT count(*) AS n FROM complaint_events WHERE event LIKE 'sla.%%'")
    assert breaches == [{"n": 3}]
    notes = q(rt, "SELECT count(*) AS n FROM notifications WHERE event_seq > 1")
    assert notes == [{"n": 3 * 5}]  # breach: buyer, merchant, platform; decision: two
    (stats,) = q(rt, "SELECT sla_breaches, penalty_points FROM merchant_stats")
    assert stats == {"sla_breaches": 3, "penalty_points": 3}
    stage("sla_breach").fn(items)  # redelivered: nothing more
    assert q(rt, "SELECT count(*) AS n FROM complaint_events WHERE event LIKE 'sla.%%'") == [
        {"n": 3}
    ]


def test_a_review_group_sees_the_duplicate_it_admitted_itself(rt: Settings) -> None:
    base = complaint_payload(evidence=[])
    for ext in ("r-1", "r-2"):  # the same buyer, order and category
        actors.intake.fn({**base, "external_id": ext})
    first, second = q(rt, "SELECT id FROM complaints ORDER BY id")
    items = [[str(uuid.uuid4()), {"complaint_id": str(r["id"])}] for r in (first, second)]
    stage("review").fn(items)
    rows = q(rt, "SELECT status::text, rejection_reason, duplicate_of FROM complaints ORDER BY id")
    # One transaction for both: the group did not fall back to one by one (the
    # one-open-complaint-per-order index would have refused the wrong answer).
    assert len(q(rt, "SELECT DISTINCT xmin::text FROM complaints")) == 1
    assert rows == [
        {"status": "in_review", "rejection_reason": None, "duplicate_of": None},
        {"status": "rejected", "rejection_reason": "duplicate", "duplicate_of": first["id"]},
    ]


def _statements_for(settings: Settings, monkeypatch: pytest.MonkeyPatch, n: int) -> int:
    """Statements a dispatch group of `n` complaints sends to PostgreSQL."""
    cids = accepted(settings, n)
    with psycopg.connect(settings.database_url) as conn:
        conn.execute("UPDATE complaints SET stage = 'dispatch' WHERE id = ANY(%s::uuid[])", (cids,))
    sent = [0]
    execute, executemany = psycopg.Connection.execute, psycopg.Cursor.executemany

    def count_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        sent[0] += 1
        return execute(self, *args, **kwargs)

    def count_executemany(self: Any, query: Any, params: Any, **kwargs: Any) -> Any:
        rows = list(params)
        sent[0] += len(rows)
        return executemany(self, query, rows, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(psycopg.Connection, "execute", count_execute)
        patch.setattr(psycopg.Cursor, "executemany", count_executemany)
        stage("dispatch").fn([[str(uuid.uuid4()), {"complaint_id": c}] for c in cids])
    assert {r["status"] for r in q(settings, "SELECT status::text FROM complaints")} == {
        "awaiting_merchant"
    }
    return sent[0]


def test_a_group_costs_the_same_statements_whatever_its_size(
    rt: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = _statements_for(rt, monkeypatch, 1)
    with psycopg.connect(rt.database_url) as conn:  # start again from an empty database
        conn.execute(
            "TRUNCATE complaints, complaint_events, notifications, deadlines, outbox,"
            " evidence_items, merchant_stats CASCADE"
        )
    eight = _statements_for(rt, monkeypatch, 8)
    assert one == eight <= 8
