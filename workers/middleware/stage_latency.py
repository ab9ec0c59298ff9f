"""Observe each message's latency from enqueue to handler done, per stage (actor).

A coalesced `<stage>_many` message (workers.coalesce) counts once per item under its
stage's name: the histogram stays per complaint and stage, however the relay grouped."""

from __future__ import annotations

import time
from typing import Any

from dramatiq.middleware import Middleware

from pipeline import metrics
from workers.coalesce import is_group, single_actor


class StageLatency(Middleware):
    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        if exception is not None:
            return
        seconds = max(0.0, time.time() - message.message_timestamp / 1000)
        items = len(message.kwargs["items"]) if is_group(message) else 1
        for _ in range(items):
            metrics.observe_latency(single_actor(message), seconds)
