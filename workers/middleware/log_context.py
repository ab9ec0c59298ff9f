"""Bind message_id, actor, queue and complaint_id to the log context for each message (a
job's group of one: its item's complaint; a larger group binds each item's as it runs,
workers.groups)."""

from __future__ import annotations

from typing import Any

import structlog
from dramatiq.middleware import Middleware

from workers.coalesce import items_of


class LogContext(Middleware):
    def before_process_message(self, broker: Any, message: Any) -> None:
        structlog.contextvars.clear_contextvars()
        items = items_of(message)
        payload = items[0][1] if len(items) == 1 else message.kwargs or {}
        structlog.contextvars.bind_contextvars(
            message_id=message.message_id,
            stage=message.actor_name,
            queue=message.queue_name,
            complaint_id=payload.get("complaint_id"),
        )

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        structlog.contextvars.clear_contextvars()

    after_skip_message = before_process_message
