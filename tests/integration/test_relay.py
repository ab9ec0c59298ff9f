"""The outbox relay publishes committed rows to real Redis once and deletes them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import redis
from psycopg.types.json import Jsonb

from pipeline.db.pool import make_pool
from pipeline.domain.stages import group_sizes
from pipeline.settings import Settings
from workers.broker import build_broker
from workers.relay import relay_once, run_relay

SIZES = group_sizes(10)

pytestmark = pytest.mark.integration


@pytest.fixture
def pool(settings: Settings) -> Iterator[object]:
    p = make_pool(settings.database_url, 2, name="relay-test")
    p.open(wait=True)
    yield p
    p.close()


def add_rows(settings: Settings, n: int, queue: str = "review") -> None:
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        for i in range(n):
            conn.execute(
                "INSERT INTO outbox (queue_name, actor_name, payload) VALUES (%s, %s, %s)",
                (queue, "review", Jsonb({"complaint_id": f"c{i}"})),
            )


def queued(settings: Settings, queue: str) -> list[dict[str, object]]:
    r = redis.Redis.from_url(settings.redis_url)
    ids = r.lrange(f"dramatiq:{queue}", 0, -1)
    raw = [r.hget(f"dramatiq:{queue}.msgs", i) for i in ids]
    return [json.loads(m) for m in raw if m]


def row_ids(messages: list[dict[str, Any]]) -> list[str]:
    """The outbox message ids a list of published messages carries (groups expanded)."""
    out = []
    for m in messages:
        items = m["kwargs"].get("items")
        out += [mid for mid, _ in items] if items else [m["message_id"]]
    return out


def test_relay_publishes_each_row_once_with_its_message_id(settings: Settings, pool: Any) -> None:
    broker = build_broker(settings)
    add_rows(settings, 7)
    add_rows(settings, 2, queue="handle.counterfeit")
    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute("SELECT message_id::text FROM outbox ORDER BY id").fetchall()
    assert relay_once(pool, broker, batch_size=5, sizes=SIZES) == 5
    assert relay_once(pool, broker, batch_size=5, sizes=SIZES) == 4
    assert relay_once(pool, broker, batch_size=5, sizes=SIZES) == 0
    with psycopg.connect(settings.database_url) as conn:
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)
    review, counterfeit = queued(settings, "review"), queued(settings, "handle.counterfeit")
    assert len(row_ids(review)) == 7 and len(row_ids(counterfeit)) == 2
    assert sorted(row_ids(review + counterfeit)) == sorted(i for (i,) in rows)
    assert {m["actor_name"] for m in counterfeit} == {"review"}
    assert review[0]["kwargs"]["items"][0][1]["complaint_id"] == "c0"
    broker.close()


def test_relay_coalesces_rows_of_one_actor_and_queue(settings: Settings, pool: Any) -> None:
    broker = build_broker(settings)
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        for i in range(5):
            conn.execute(
                "INSERT INTO outbox (queue_name, actor_name, payload)"
                " VALUES ('notify', 'notify', %s)",
                (Jsonb({"complaint_id": f"c{i}", "event_seq": i + 1}),),
            )
    add_rows(settings, 2)
    with psycopg.connect(settings.database_url) as conn:
        ids = conn.execute(
            "SELECT message_id::text FROM outbox WHERE actor_name = 'review' ORDER BY id"
        ).fetchall()
    assert relay_once(pool, broker, batch_size=100, sizes=SIZES) == 7
    (notify,) = queued(settings, "notify")
    assert notify["actor_name"] == "notify"
    assert [p["event_seq"] for _, p in notify["kwargs"]["items"]] == [1, 2, 3, 4, 5]
    (review,) = queued(settings, "review")
    assert review["actor_name"] == "review"
    assert [mid for mid, _ in review["kwargs"]["items"]] == [i for (i,) in ids]
    broker.close()


def test_relay_loop_stops_on_request_and_beats_per_loop(settings: Settings, pool: Any) -> None:
    broker = build_broker(settings)
    add_rows(settings, 3)
    stop = threading.Event()
    beats: list[int] = []
    thread = threading.Thread(
        target=run_relay,
        args=(pool, broker, SIZES, 100, 0.01, stop, lambda: beats.append(1)),
    )
    thread.start()
    try:
        for _ in range(200):
            if len(row_ids(queued(settings, "review"))) == 3:
                break
            stop.wait(0.02)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(row_ids(queued(settings, "review"))) == 3
    assert beats  # the liveness probe's evidence (pipeline.ops.probe)
    broker.close()


def test_relay_groups_stage_rows_by_the_configured_size(settings: Settings, pool: Any) -> None:
    broker = build_broker(settings)
    add_rows(settings, 5)
    assert relay_once(pool, broker, batch_size=100, sizes=group_sizes(2)) == 5
    messages = queued(settings, "review")
    assert sorted(len(m["kwargs"]["items"]) for m in messages) == [1, 2, 2]
    assert len(row_ids(messages)) == 5
    broker.close()
