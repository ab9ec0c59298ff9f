"""Observe each message's latency from enqueue to handler done, per stage (actor)."""

from __future__ import annotations

import time
from typing import Any

from dramatiq.middleware import Middleware

from pipeline import metrics


class StageLatency(Middleware):
    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        if exception is None:
            seconds = max(0.0, time.time() - message.message_timestamp / 1000)
            metrics.observe_latency(message.actor_name, seconds)
