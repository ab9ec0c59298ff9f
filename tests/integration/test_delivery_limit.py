"""Redelivered messages against real PostgreSQL and Redis: a group delivered a second time
is split into groups of one (the rows' ids, same queue), a group of one is processed until
the delivery limit."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import pytest
import redis
from dramatiq import Message
from dramatiq.broker import MessageProxy
from dramatiq.middleware import SkipMessage

from pipeline.settings import Settings
from workers.broker import build_broker
from workers.middleware.delivery_limit import DeliveryLimit
from workers.runtime import bound

pytestmark = pytest.mark.integration


def queued(settings: Settings, queue: str) -> list[dict[str, object]]:
    r = redis.Redis.from_url(settings.redis_url)
    ids = r.lrange(f"dramatiq:{queue}", 0, -1)
    return [json.loads(m) for i in ids if (m := r.hget(f"dramatiq:{queue}.msgs", i))]


def test_a_group_delivered_again_is_split_into_groups_of_one(settings: Settings) -> None:
    broker = build_broker(settings)
    items = [[str(uuid.uuid4()), {"complaint_id": f"c{n}"}] for n in range(3)]
    group = MessageProxy(
        Message(
            queue_name="evidence",
            actor_name="evidence",
            args=(),
            kwargs={"items": items},
            options={},
        )
    )
    limit = DeliveryLimit()
    with bound(settings):
        limit.before_process_message(broker, group)  # first delivery: processed as a group
        assert queued(settings, "evidence") == []
        with pytest.raises(SkipMessage):
            limit.before_process_message(broker, group)
    singles = queued(settings, "evidence")
    assert [(m["actor_name"], m["message_id"], m["kwargs"]) for m in singles] == [
        ("evidence", mid, {"items": [[mid, payload]]}) for mid, payload in items
    ]
    broker.close()


def test_a_group_of_one_is_skipped_only_past_the_limit_never_split(settings: Settings) -> None:
    broker = build_broker(settings)
    single = MessageProxy(
        Message(
            queue_name="review",
            actor_name="review",
            args=(),
            kwargs={"items": [[str(uuid.uuid4()), {"complaint_id": "c1"}]]},
            options={},
        )
    )
    limit = DeliveryLimit()
    with bound(replace(settings, worker_max_deliveries=2)):
        limit.before_process_message(broker, single)
        limit.before_process_message(broker, single)
        with pytest.raises(SkipMessage):
            limit.before_process_message(broker, single)
    assert queued(settings, "review") == []
    broker.close()


def test_dead_letters_of_the_old_forms_are_replayed_as_groups(settings: Settings) -> None:
    """Letters kept from before every job took groups: a `<job>_many` group and a single
    message with its payload as arguments."""
    from pipeline.db import dead_letters
    from pipeline.db.pool import make_pool
    from pipeline.ops.dlq import replay

    group_items = [[str(uuid.uuid4()), {"complaint_id": f"c{n}"}] for n in range(2)]
    single_id = str(uuid.uuid4())
    letters = [
        (str(uuid.uuid4()), "review_many", {"items": group_items}),
        (single_id, "review", {"complaint_id": "c9"}),
    ]
    pool = make_pool(settings.database_url, 2, name="dlq-test")
    pool.open(wait=True)
    broker = build_broker(settings)
    try:
        with pool.connection() as conn:
            for message_id, actor, kwargs in letters:
                payload = {"args": [], "kwargs": kwargs, "options": {}}
                dead_letters.archive(conn, message_id, "review", actor, payload, "kept from before")
        assert replay(pool, broker) == 2
    finally:
        broker.close()
        pool.close()
    replayed = {m["message_id"]: m for m in queued(settings, "review")}
    assert {m["actor_name"] for m in replayed.values()} == {"review"}
    assert replayed[letters[0][0]]["kwargs"] == {"items": group_items}
    assert replayed[single_id]["kwargs"] == {"items": [[single_id, {"complaint_id": "c9"}]]}
