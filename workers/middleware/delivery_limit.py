"""Count deliveries per message in PostgreSQL; past the limit, dead-letter it unprocessed.

A message that kills its worker (kill -9, OOM) is redelivered by the broker without counting
as a retry, so Retries alone would loop on it forever. A coalesced group delivered again
(its worker died, or an item failed) is split into its single messages instead, so one
poisonous complaint is dead-lettered alone and never holds its group mates back."""

from __future__ import annotations

from typing import Any

from dramatiq.middleware import Middleware, SkipMessage
from psycopg.types.json import Jsonb

from pipeline.db.queries import q
from pipeline.logging import get_logger
from workers.coalesce import is_group, split_group
from workers.publish import publish_batch

log = get_logger("workers.delivery_limit")


class DeliveryLimit(Middleware):
    def before_process_message(self, broker: Any, message: Any) -> None:
        from workers.runtime import runtime

        rt = runtime()
        with rt.pool.connection() as conn:
            row = conn.execute(
                q("count_delivery"), {"message_id": message.message_id, "actor": message.actor_name}
            ).fetchone()
            deliveries = int(row["deliveries"]) if row else 1
            if deliveries > 1 and is_group(message):
                singles = split_group(message)
                publish_batch(broker, singles)
                log.warning("group delivered again; split", items=len(singles))
                raise SkipMessage("group split into single messages")
            if deliveries <= rt.settings.worker_max_deliveries:
                return
            conn.execute(
                q("archive_dead_letter"),
                {
                    "message_id": message.message_id,
                    "queue_name": message.queue_name,
                    "actor_name": message.actor_name,
                    "payload": Jsonb(message.asdict()),
                    "error": f"poison: delivered {deliveries} times without finishing "
                    f"(limit {rt.settings.worker_max_deliveries}); its worker died each time",
                },
            )
        log.error("poison message dead-lettered", actor=message.actor_name, deliveries=deliveries)
        raise SkipMessage("delivery limit reached")
