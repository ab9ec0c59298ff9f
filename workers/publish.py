"""Publish many Dramatiq messages to Redis in one round trip.

`RedisBroker.enqueue` runs its Lua dispatch script once per message (one round trip each).
This runs the same script for every message inside one pipeline, with the same middleware
hooks, so the relay pays one round trip per batch instead of per message. The same round
trip announces the batch's queues to the consumers waiting on them (workers.wake_ups).
The script's argument layout comes from workers.dramatiq_seam, checked against the pinned
Dramatiq at import."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any
from uuid import uuid4

from dramatiq import Message

from workers.dramatiq_seam import dispatch_in
from workers.wake_ups import announce


def publish_batch(broker: Any, messages: Sequence[Message[Any]]) -> None:
    if not messages:
        return
    copies = [m.copy(options={"redis_message_id": str(uuid4())}) for m in messages]
    for message in copies:
        broker.emit_before("enqueue", message, None)
    pipe = broker.client.pipeline(transaction=False)
    now = int(time.time() * 1000)
    for message in copies:
        dispatch_in(
            pipe,
            broker,
            "enqueue",
            message.queue_name,
            now,
            message.options["redis_message_id"],
            message.encode(),
        )
    announce(pipe, broker.wake_ups.channel, [m.queue_name for m in copies])
    pipe.execute()
    for message in copies:
        broker.emit_after("enqueue", message, None)
