"""Observe each message's latency from enqueue to handler done, per stage (actor).

A job's message (workers.coalesce) counts once per item under its job's name: the
histogram stays per complaint and stage, however the relay grouped."""

from __future__ import annotations

import time
from typing import Any

from dramatiq.middleware import Middleware

from pipeline import metrics
from workers.coalesce import items_of


class StageLatency(Middleware):
    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        if exception is not None:
            return
        seconds = max(0.0, time.time() - message.message_timestamp / 1000)
        for _ in range(len(items_of(message)) or 1):
            metrics.observe_latency(message.actor_name, seconds)
