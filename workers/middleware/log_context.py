"""Bind message_id, actor, queue and complaint_id to the log context for each message."""

from __future__ import annotations

from typing import Any

import structlog
from dramatiq.middleware import Middleware


class LogContext(Middleware):
    def before_process_message(self, broker: Any, message: Any) -> None:
        structlog.contextvars.clear_contextvars()
        kwargs = message.kwargs or {}
        structlog.contextvars.bind_contextvars(
            message_id=message.message_id,
            stage=message.actor_name,
            queue=message.queue_name,
            complaint_id=kwargs.get("complaint_id"),
        )

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        structlog.contextvars.clear_contextvars()

    after_skip_message = before_process_message
