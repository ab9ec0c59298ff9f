"""Copy every dead-lettered message to PostgreSQL, so it never expires silently (Redis
purges its dead-letter set after `dead_message_ttl`)."""

from __future__ import annotations

from typing import Any

from dramatiq.middleware import Middleware
from psycopg.types.json import Jsonb

from pipeline.db.queries import q
from pipeline.logging import get_logger

log = get_logger("workers.dead_letters")


class DeadLetterArchive(Middleware):
    def after_nack(self, broker: Any, message: Any) -> None:
        from workers.runtime import runtime

        error = getattr(message, "_exception", None)
        try:
            with runtime().pool.connection() as conn:
                conn.execute(
                    q("archive_dead_letter"),
                    {
                        "message_id": message.message_id,
                        "queue_name": message.queue_name,
                        "actor_name": message.actor_name,
                        "payload": Jsonb(message.asdict()),
                        "error": repr(error)[:4000] if error else None,
                    },
                )
        except Exception:  # the Redis copy is still there; `complaints dlq sync` recovers it
            log.exception("could not archive a dead letter", message_id=message.message_id)
        else:
            log.warning("message dead-lettered", actor=message.actor_name, queue=message.queue_name)
