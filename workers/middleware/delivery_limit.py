"""Count deliveries per message in PostgreSQL; past the limit, dead-letter it unprocessed.

A message that kills its worker (kill -9, OOM) is redelivered by the broker without counting
as a retry, so Retries alone would loop on it forever. A coalesced group delivered again
(its worker died, or an item failed) is split into its single messages instead, so one
poisonous complaint is dead-lettered alone and never holds its group mates back."""

from __future__ import annotations

from typing import Any

from dramatiq.middleware import Middleware, SkipMessage

from pipeline.db import dead_letters
from pipeline.logging import get_logger
from workers.coalesce import is_group, split_group
from workers.publish import publish_batch

log = get_logger("workers.delivery_limit")


class DeliveryLimit(Middleware):
    def before_process_message(self, broker: Any, message: Any) -> None:
        from workers.runtime import runtime

        rt = runtime()
        with rt.pool.connection() as conn:
            deliveries = dead_letters.count_delivery(conn, message.message_id, message.actor_name)
            if deliveries > 1 and is_group(message):
                singles = split_group(message)
                publish_batch(broker, singles)
                log.warning("group delivered again; split", items=len(singles))
                raise SkipMessage("group split into single messages")
            if deliveries <= rt.settings.worker_max_deliveries:
                return
            dead_letters.archive(
                conn,
                message.message_id,
                message.queue_name,
                message.actor_name,
                message.asdict(),
                f"poison: delivered {deliveries} times without finishing "
                f"(limit {rt.settings.worker_max_deliveries}); its worker died each time",
            )
        log.error("poison message dead-lettered", actor=message.actor_name, deliveries=deliveries)
        raise SkipMessage("delivery limit reached")
