"""Notify (投诉反馈): deliver events' pending notifications and mark each delivered once.

The relay coalesces the notify messages of a batch into groups (`workers.coalesce`), so
one transaction usually delivers the notifications of many events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.adapters.notifier import Notifier
from pipeline.db import outbox
from pipeline.db.store import Store
from pipeline.handlers.common import Item


@dataclass(frozen=True)
class Delivery:
    delivered: int
    #: The channel's error that stopped the batch; what was delivered before it is still
    #: marked (the caller commits, then raises it so the rest is retried).
    error: Exception | None = None


def handle_notify(store: Store, notifier: Notifier, items: Sequence[Item]) -> Delivery:
    """Deliver what is pending for the items' events (`event_seq`; nothing, for a
    redelivered message)."""
    if not items:
        return Delivery(0)
    pending = outbox.pending_notifications(
        store, [(item.complaint_id, item.number("event_seq")) for item in items]
    )
    delivered: list[int] = []
    error: Exception | None = None
    for notification in pending:
        try:
            notifier.deliver(notification)
        except Exception as exc:  # a channel failure; kept for the caller to raise
            error = exc
            break
        delivered.append(notification["id"])
    if delivered:
        outbox.mark_delivered(store, delivered, store.clock())
    return Delivery(len(delivered), error)
