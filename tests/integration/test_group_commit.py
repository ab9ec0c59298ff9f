"""Group commit of single submissions, against real PostgreSQL (and a real uvicorn server)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest

from pipeline.api import group_commit
from pipeline.api.group_commit import GroupCommit
from pipeline.db.pool import make_pool
from pipeline.domain.sla import DEFAULT_POLICY
from pipeline.settings import Settings
from schemas.complaint import ComplaintV1, parse_complaint
from tests.api_server import serving
from tests.factories import complaint_payload

pytestmark = pytest.mark.integration

INGEST = {"Authorization": "Bearer ingest-token-0123456789"}


def distinct(i: int) -> dict[str, Any]:
    return complaint_payload(external_id=f"g-{i}", buyer_id=f"b_g{i}", order__order_id=f"o-g{i}")


def rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(settings.database_url) as conn:
        return conn.execute(sql).fetchall()  # type: ignore[arg-type]


@pytest.fixture
def committer(settings: Settings) -> Iterator[GroupCommit]:
    """No committer threads: the test decides when a group is committed."""
    pool = make_pool(settings.database_url, 2, name="test-group")
    pool.open(wait=True)
    gc = GroupCommit(pool, DEFAULT_POLICY, max_group=50, committers=0)
    yield gc
    pool.close()


def test_waiting_submissions_commit_together(committer: GroupCommit, settings: Settings) -> None:
    futures = [committer.submit(parse_complaint(distinct(i)), None) for i in range(10)]
    assert not any(f.done() for f in futures)
    assert committer.commit_next_group()
    results = [f.result(timeout=0) for f in futures]
    assert [r.outcome for r in results] == ["accepted"] * 10
    # One transaction: one clock reading for the whole group, every row durable.
    assert rows(settings, "SELECT count(DISTINCT created_at), count(*) FROM complaints") == [
        (1, 10)
    ]
    assert rows(settings, "SELECT count(*) FROM outbox WHERE actor_name = 'review'") == [(10,)]


@pytest.fixture
def poison_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any group holding the complaint with external_id "poison" fails as a whole."""
    real = group_commit.accept

    def fails_on_poison(store: Any, items: list[tuple[ComplaintV1, str | None]]) -> Any:
        if any(c.external_id == "poison" for c, _ in items):
            raise ValueError("poison in this transaction")
        return real(store, items)

    monkeypatch.setattr(group_commit, "accept", fails_on_poison)


@pytest.mark.usefixtures("poison_fails")
def test_a_failing_group_is_retried_one_by_one(committer: GroupCommit, settings: Settings) -> None:
    good = [committer.submit(parse_complaint(distinct(i)), None) for i in range(3)]
    bad = committer.submit(parse_complaint(complaint_payload(external_id="poison")), None)
    assert committer.commit_next_group()
    assert [f.result(timeout=0).outcome for f in good] == ["accepted"] * 3
    with pytest.raises(ValueError, match="poison"):
        bad.result(timeout=0)
    assert rows(settings, "SELECT count(*) FROM complaints") == [(3,)]


@pytest.mark.usefixtures("poison_fails")
def test_event_loop_waiters_are_answered_with_one_wake_up(
    committer: GroupCommit, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`accept` from a coroutine: a group of 8 (one poisoned) is answered by one
    call_soon_threadsafe on the waiting loop, each waiter with its own outcome."""
    complaints = [parse_complaint(distinct(i)) for i in range(7)]
    complaints.append(parse_complaint(complaint_payload(external_id="poison")))

    async def main() -> list[Any]:
        loop = asyncio.get_running_loop()
        wake_ups = 0
        real_call = loop.call_soon_threadsafe

        def counted(*args: Any, **kwargs: Any) -> Any:
            nonlocal wake_ups
            wake_ups += 1
            return real_call(*args, **kwargs)

        monkeypatch.setattr(loop, "call_soon_threadsafe", counted)
        waiters = [asyncio.ensure_future(committer.accept(c, None)) for c in complaints]
        await asyncio.sleep(0)  # every waiter is queued
        await asyncio.to_thread(committer.commit_next_group)
        outcomes = await asyncio.gather(*waiters, return_exceptions=True)
        return [wake_ups - 1, *outcomes]  # to_thread itself wakes the loop once

    wake_ups, *outcomes = asyncio.run(main())
    assert wake_ups == 1
    assert [o.outcome for o in outcomes[:7]] == ["accepted"] * 7
    assert isinstance(outcomes[7], ValueError)
    assert rows(settings, "SELECT count(*) FROM complaints") == [(7,)]


def test_closing_stops_the_committers(settings: Settings) -> None:
    pool = make_pool(settings.database_url, 2, name="test-group-close")
    pool.open(wait=True)
    gc = GroupCommit(pool, DEFAULT_POLICY, max_group=50, committers=2)
    assert gc.submit(parse_complaint(distinct(1)), None).result(timeout=30).outcome == "accepted"
    gc.close()
    assert not any(t.is_alive() for t in gc.threads)
    pool.close()


def test_concurrent_posts_are_each_answered_once_durable(settings: Settings) -> None:
    """50 clients at once: 40 distinct complaints, and 10 copies of one with the same
    Idempotency-Key, which group commit must not accept twice."""
    same = complaint_payload(external_id="same", buyer_id="b_same", order__order_id="o-same")

    with serving(settings) as url, httpx.Client(base_url=url, timeout=30) as client:

        def post(i: int) -> httpx.Response:
            if i < 40:
                return client.post("/v1/complaints", json=distinct(i), headers=INGEST)
            headers = {**INGEST, "Idempotency-Key": "same-key"}
            return client.post("/v1/complaints", json=same, headers=headers)

        with ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(post, range(50)))

    assert [a.status_code for a in answers] == [202] * 50, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers[:40]}) == 40
    copies = [a.json() for a in answers[40:]]
    assert len({c["id"] for c in copies}) == 1
    assert sorted(c["outcome"] for c in copies) == ["accepted"] + ["replayed"] * 9
    assert rows(settings, "SELECT count(*) FROM complaints") == [(41,)]
    assert rows(settings, "SELECT count(*) FROM outbox WHERE actor_name = 'review'") == [(41,)]


def test_offsets_postgres_cannot_parse_are_stored_in_utc(
    committer: GroupCommit, settings: Settings
) -> None:
    """Found by schemathesis: RFC 3339 allows +17:17, PostgreSQL's input parser does not."""
    body = distinct(1)
    body["submitted_at"] = "2026-11-29T10:00:00+17:17"
    future = committer.submit(parse_complaint(body), None)
    assert committer.commit_next_group()
    assert future.result(timeout=0).outcome == "accepted"
    (row,) = rows(settings, "SELECT submitted_at FROM complaints")
    assert row[0].isoformat().startswith("2026-11-28T16:43:00")
