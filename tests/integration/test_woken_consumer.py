"""The broker's consumers, on real Redis: an empty queue's consumer waits for the queue's
wake-up and fetches as soon as a message is announced (by `enqueue` or by the relay's
`publish_batch`), long before its safety poll; a message nobody announced is still found by
that poll; a fetch that emptied the queue is not followed by one that finds nothing; a
consumer whose prefetch is full keeps Dramatiq's short sleeps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from dramatiq import Message

from pipeline.settings import Settings
from workers.broker import build_broker
from workers.publish import publish_batch
from workers.woken_consumer import WakingRedisBroker

pytestmark = pytest.mark.integration

QUEUE = "wakeful"


def message() -> Message[Any]:
    return Message(queue_name=QUEUE, actor_name="a", args=(), kwargs={}, options={})


@pytest.fixture
def brokers(base_settings: Settings, redis_url: str) -> Iterator[list[WakingRedisBroker]]:
    """A consuming broker and a producing one (another process's, as far as Redis knows)."""
    made = [build_broker(replace(base_settings, redis_url=redis_url)) for _ in range(2)]
    for broker in made:
        broker.declare_queue(QUEUE)
    yield made
    for broker in made:
        broker.close()


def count_fetches(broker: WakingRedisBroker, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    fetch = broker.do_fetch

    def counted(queue: str, n: int) -> Any:
        calls.append(n)
        return fetch(queue, n)

    monkeypatch.setattr(broker, "do_fetch", counted)
    return calls


@pytest.mark.parametrize("how", ["enqueue", "publish_batch"])
def test_an_announced_message_wakes_the_waiting_consumer(
    brokers: list[WakingRedisBroker], how: str
) -> None:
    consumer_broker, producer = brokers
    consumer = consumer_broker.consume(QUEUE, prefetch=4, timeout=20_000)
    assert consumer.wake.wait(10)  # the listener subscribed: it wakes every consumer once
    consumer.wake.clear()
    if how == "enqueue":
        producer.enqueue(message())
    else:
        publish_batch(producer, [message()])
    assert consumer.wake.wait(10)  # the announcement, not the 20 s safety poll
    got = next(consumer)
    assert got is not None and got.actor_name == "a"


def test_an_unannounced_message_is_found_by_the_safety_poll(
    brokers: list[WakingRedisBroker],
) -> None:
    consumer_broker, producer = brokers
    consumer = consumer_broker.consume(QUEUE, prefetch=4, timeout=300)
    assert next(consumer) is None
    m = message().copy(options={"redis_message_id": "unannounced"})
    producer.do_enqueue(QUEUE, "unannounced", m.encode())  # what Dramatiq's requeue does
    found = None
    for _ in range(20):  # about 6 s of safety polls at most; one should do
        found = next(consumer)
        if found is not None:
            break
    assert found is not None and found.message_id == m.message_id


def test_a_fetch_that_emptied_the_queue_is_not_followed_by_an_empty_one(
    brokers: list[WakingRedisBroker], monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer_broker, producer = brokers
    producer.enqueue(message())
    consumer = consumer_broker.consume(QUEUE, prefetch=4, timeout=300)
    fetches = count_fetches(consumer_broker, monkeypatch)
    assert next(consumer) is not None
    assert fetches == [4]  # asked for 4, got 1: the queue is empty now
    assert next(consumer) is None  # waited for a wake-up instead of fetching
    assert fetches == [4]
    assert next(consumer) is None  # the safety poll fetches again
    assert len(fetches) == 2


def test_a_full_prefetch_keeps_dramatiqs_short_sleeps(
    brokers: list[WakingRedisBroker], monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer_broker, producer = brokers
    for _ in range(2):
        producer.enqueue(message())
    consumer = consumer_broker.consume(QUEUE, prefetch=1, timeout=20_000)
    sleeps: list[float] = []
    monkeypatch.setattr("workers.woken_consumer.time.sleep", sleeps.append)
    assert next(consumer) is not None  # taken, not yet acknowledged: prefetch full
    assert next(consumer) is None
    assert next(consumer) is None
    assert 0.005 <= sleeps[0] <= 0.010 and 0.010 <= sleeps[1] <= 0.020


def test_a_delay_queue_holding_messages_comes_back_soon(
    brokers: list[WakingRedisBroker], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its thread moves held messages on only between our returns, so it may not wait for a
    wake-up that will not come (nobody announces an eta passing)."""
    consumer_broker, producer = brokers
    producer.enqueue(message(), delay=60_000)
    consumer = consumer_broker.consume(f"{QUEUE}.DQ", prefetch=4, timeout=20_000)
    waits: list[float | None] = []
    monkeypatch.setattr(consumer.wake, "wait", lambda timeout=None: waits.append(timeout))
    held = next(consumer)
    assert held is not None  # now held by its thread until the eta
    assert next(consumer) is None
    assert waits == [0.1]  # not the 20 s safety poll
    consumer.queued_message_ids.clear()  # moved on: nothing held any more
    assert next(consumer) is None
    assert waits[-1] == 20.0


def test_queue_maintenance_runs_every_few_seconds_whatever_the_chance(
    base_settings: Settings, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requeueing a dead worker's messages rides on fetches; woken consumers fetch seldom."""
    broker = build_broker(replace(base_settings, redis_url=redis_url, redis_maintenance_chance=0))
    clock = [1_000.0]
    monkeypatch.setattr("workers.woken_consumer.time.monotonic", lambda: clock[0])
    broker._maintained_at = clock[0]
    try:
        assert broker._should_do_maintenance("fetch") == 0
        clock[0] += 2.5
        assert broker._should_do_maintenance("ack") == 0  # Dramatiq never maintains on acks
        assert broker._should_do_maintenance("fetch") == 1
        assert broker._should_do_maintenance("fetch") == 0  # not again until 2 s later
        clock[0] += 2.5
        assert broker._should_do_maintenance("enqueue") == 1
    finally:
        broker.close()
