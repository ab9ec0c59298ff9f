"""The outbox relay publishes committed rows to real Redis once and marks them sent."""

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
from pipeline.settings import Settings
from workers.broker import build_broker
from workers.relay import relay_once, run_relay

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


def test_relay_publishes_each_row_once_with_its_message_id(settings: Settings, pool: Any) -> None:
    broker = build_broker(settings)
    add_rows(settings, 7)
    add_rows(settings, 2, queue="handle.counterfeit")
    assert relay_once(pool, broker, batch_size=5) == 5
    assert relay_once(pool, broker, batch_size=5) == 4
    assert relay_once(pool, broker, batch_size=5) == 0
    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute("SELECT message_id::text, sent_at FROM outbox ORDER BY id").fetchall()
    assert all(sent for _, sent in rows)
    review, counterfeit = queued(settings, "review"), queued(settings, "handle.counterfeit")
    assert len(review) == 7 and len(counterfeit) == 2
    assert sorted(m["message_id"] for m in review + counterfeit) == sorted(i for i, _ in rows)
    assert {m["actor_name"] for m in counterfeit} == {"review"}
    assert review[0]["kwargs"]["complaint_id"].startswith("c")
    broker.close()


def test_relay_loop_stops_on_request(settings: Settings, pool: Any) -> None:
    broker = build_broker(settings)
    add_rows(settings, 3)
    stop = threading.Event()
    thread = threading.Thread(target=run_relay, args=(pool, broker, 100, 0.01, stop))
    thread.start()
    try:
        for _ in range(200):
            if len(queued(settings, "review")) == 3:
                break
            stop.wait(0.02)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(queued(settings, "review")) == 3
    broker.close()
