"""The broker's consumers, on real Redis: an empty queue is polled again after 20-40 ms
(Dramatiq's own first wait is 5-10 ms), doubling from there, a message that arrives is
still taken at once, and a consumer whose prefetch is full keeps Dramatiq's short waits."""

from __future__ import annotations

from dataclasses import replace

import dramatiq.brokers.redis as dramatiq_redis
import pytest
from dramatiq import Message

from pipeline.settings import Settings
from workers.broker import build_broker

pytestmark = pytest.mark.integration


def test_idle_polls_start_at_twenty_ms_and_messages_still_arrive(
    base_settings: Settings, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = build_broker(replace(base_settings, redis_url=redis_url))
    broker.declare_queue("patience")
    consumer = broker.consume("patience", prefetch=4, timeout=1000)
    waits: list[float] = []
    monkeypatch.setattr(dramatiq_redis.time, "sleep", waits.append)
    try:
        assert [next(consumer) for _ in range(4)] == [None] * 4
        assert 0.020 <= waits[0] <= 0.040
        assert 0.040 <= waits[1] <= 0.080 and 0.080 <= waits[2] <= 0.160
        broker.enqueue(
            Message(queue_name="patience", actor_name="a", args=(), kwargs={}, options={})
        )
        message = next(consumer)
        assert message is not None and message.actor_name == "a"
        assert next(consumer) is None
        assert 0.020 <= waits[-1] <= 0.040  # a message starts the waits over, from 20 ms
    finally:
        broker.close()


def test_a_full_prefetch_keeps_dramatiqs_short_wait(
    base_settings: Settings, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = build_broker(replace(base_settings, redis_url=redis_url))
    broker.declare_queue("patience")
    for _ in range(2):
        broker.enqueue(
            Message(queue_name="patience", actor_name="a", args=(), kwargs={}, options={})
        )
    consumer = broker.consume("patience", prefetch=1, timeout=1000)
    waits: list[float] = []
    monkeypatch.setattr(dramatiq_redis.time, "sleep", waits.append)
    try:
        assert next(consumer) is not None  # taken, not yet acknowledged: prefetch full
        assert next(consumer) is None
        assert 0.005 <= waits[0] <= 0.010
    finally:
        broker.close()
