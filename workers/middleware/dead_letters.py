"""Copy every dead-lettered message to PostgreSQL, so it never expires silently (Redis
purges its dead-letter set after `dead_message_ttl`)."""

from __future__ import annotations

from typing import Any

from dramatiq.middleware import Middleware

from pipeline.db import dead_letters
from pipeline.logging import get_logger

log = get_logger("workers.dead_letters")


class DeadLetterArchive(Middleware):
    def after_nack(self, broker: Any, message: Any) -> None:
        from workers.runtime import runtime

        error = getattr(message, "_exception", None)
        try:
            with runtime().pool.connection() as conn:
                dead_letters.archive(
                    conn,
                    message.message_id,
                    message.queue_name,
                    message.actor_name,
                    message.asdict(),
                    repr(error)[:4000] if error else None,
                )
        except Exception:  # the Redis copy is still there; `complaints dlq sync` recovers it
            log.exception("could not archive a dead letter", message_id=message.message_id)
        else:
            log.warning("message dead-lettered", actor=message.actor_name, queue=message.queue_name)
