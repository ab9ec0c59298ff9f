"""Notify (投诉反馈): deliver an event's pending notifications and mark each delivered once."""

from __future__ import annotations

from pipeline.adapters.notifier import Notifier
from pipeline.db.store import Store


def handle_notify(store: Store, notifier: Notifier, complaint_id: str, event_seq: int) -> int:
    """Returns how many were delivered now (0 for a redelivered message)."""
    pending = store.all(
        "pending_notifications", {"complaint_id": complaint_id, "event_seq": event_seq}
    )
    now = store.clock()
    for notification in pending:
        notifier.deliver(notification)
        store.run("mark_delivered", {"id": notification["id"], "now": now})
    return len(pending)
