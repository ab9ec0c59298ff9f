"""The rows one step of a complaint writes, built before anything is written: its event on
the complaint's hash chain, its notifications, and the outbox messages that move it on
(pipeline.db.store applies them; intake inserts a new complaint's first step with them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline.db.complaints import Complaint
from pipeline.db.outbox import Message
from pipeline.domain import audit
from pipeline.domain.notices import recipient_id
from pipeline.domain.routing import route_queue
from pipeline.domain.stages import STAGES, Job
from pipeline.domain.status import Role, Status
from pipeline.domain.transitions import Event


def message(job: Job, c: Complaint | str, **payload: Any) -> Message:
    """An outbox message for the job's queue in the stage table (dispatch: the complaint's
    category queue)."""
    cid = c if isinstance(c, str) else c.id
    queue = STAGES[job].queue
    if queue is None:
        assert not isinstance(c, str), f"{job} needs the complaint for its queue"
        queue = route_queue(c.category)
    return (queue, str(job), cid, {"complaint_id": cid, **payload})


@dataclass(frozen=True)
class Step:
    """What one step writes, built before anything is written (`Store.step`): the complaint
    row after it, its event on the hash chain, its notifications and notify message."""

    row: dict[str, Any]
    event: dict[str, Any]
    notifications: list[dict[str, Any]]
    messages: list[Message]


def notification_rows(
    row: dict[str, Any], event: Event, seq: int, recipients: tuple[Role, ...]
) -> list[dict[str, Any]]:
    """A step's notifications, one per recipient, from the complaint row after the step."""
    body = {
        "complaint_id": str(row["id"]),
        "event": event,
        "status": row["status"],
        "title": row["title"],
        "rejection_reason": row["rejection_reason"],
    }
    return [
        {
            "complaint_id": str(row["id"]),
            "event_seq": seq,
            "recipient_role": r,
            "recipient_id": recipient_id(r, row["buyer_id"], row["merchant_id"]),
            "kind": event,
            "body": body,
        }
        for r in recipients
    ]


def chained_event(
    c: Complaint,
    event: str,
    to_status: Status,
    role: Role,
    actor_id: str,
    data: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """A complaint's next event, linked to its hash chain: the audit hash covers the fields
    before `prev_hash`, and `hash` is the complaint's new chain head."""
    event_row = {
        "complaint_id": c.id,
        "seq": c.version + 1,
        "event": event,
        "from_status": c.status,
        "to_status": to_status,
        "actor_role": role,
        "actor_id": actor_id,
        "data": data,
        "created_at": now,
    }
    head = audit.link(c.chain_head, event_row)
    return {**event_row, "prev_hash": c.chain_head, "hash": head}
