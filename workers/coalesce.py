"""Turn claimed outbox rows into Dramatiq messages, coalescing rows of the same stage.

A broker hop costs about as much worker CPU as a small stage's work (fetch, ack, the
middleware chain, a delivery count), and a complaint makes 4 stage hops plus one notify per
event. So the relay sends the rows of one batch that go to the same actor and queue as one
`<actor>_many` message of up to that actor's group size, carrying each row's message id and
payload; the group actor handles each item as the single actor would (own transaction, own
message id). A lone row is sent as it is. A group's message id is derived from its rows'
ids, so a relay that crashes before marking rows sent republishes the same ids."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from dramatiq import Message

#: actor -> largest group. Stage groups stay small so a burst still spreads over every
#: worker thread; notify work is tiny, so its groups are large. Deadlines fire in bursts
#: of the scheduler's batch (500): groups of 50 still feed 16 threads (ten per batch) and
#: write set-based at less cost per breach (1.26 -> 0.99 ms in process from 10 to 25; from
#: 25 to 50, 10,000 breaches: median 9.3 -> 8.7 s, PG + worker CPU 1.67 -> 1.61 ms each).
GROUP_SIZES: dict[str, int] = {
    "notify": 100,
    "review": 10,
    "evidence": 10,
    "route": 10,
    "dispatch": 10,
    "sla_breach": 50,
    "sla_warning": 50,
}
GROUP_SUFFIX = "_many"
_GROUP_NAMESPACE = uuid.UUID("7d1f3c2e-8a55-4d0f-9a3e-5b6c2d1e0f42")

Row = Mapping[str, Any]


def group_actor(actor: str) -> str:
    return f"{actor}{GROUP_SUFFIX}"


def is_group(message: Any) -> bool:
    return bool(message.actor_name.endswith(GROUP_SUFFIX) and "items" in (message.kwargs or {}))


def single_actor(message: Any) -> str:
    """The actor a group message's items belong to (the message's own for a single one)."""
    return (
        str(message.actor_name).removesuffix(GROUP_SUFFIX)
        if is_group(message)
        else str(message.actor_name)
    )


def row_message(row: Row) -> Message[Any]:
    return Message(
        queue_name=row["queue_name"],
        actor_name=row["actor_name"],
        args=(),
        kwargs=row["payload"],
        options={},
        message_id=str(row["message_id"]),
    )


def group_message(rows: Sequence[Row]) -> Message[Any]:
    """One message for rows of the same actor and queue: items are [message_id, payload]."""
    if len(rows) == 1:
        return row_message(rows[0])
    ids = ",".join(str(r["message_id"]) for r in rows)
    return Message(
        queue_name=rows[0]["queue_name"],
        actor_name=group_actor(rows[0]["actor_name"]),
        args=(),
        kwargs={"items": [[str(r["message_id"]), r["payload"]] for r in rows]},
        options={},
        message_id=str(uuid.uuid5(_GROUP_NAMESPACE, ids)),
    )


def split_group(message: Any) -> list[Message[Any]]:
    """A group message's items as the single messages they came from (same ids, queue)."""
    return [
        Message(
            queue_name=message.queue_name,
            actor_name=single_actor(message),
            args=(),
            kwargs=payload,
            options={},
            message_id=message_id,
        )
        for message_id, payload in message.kwargs["items"]
    ]


def messages_for(rows: Sequence[Row], sizes: Mapping[str, int] = GROUP_SIZES) -> list[Message[Any]]:
    """Rows of groupable actors in groups (in row order within each), the rest one each."""
    out: list[Message[Any]] = []
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        if sizes.get(row["actor_name"], 1) > 1:
            groups.setdefault((row["actor_name"], row["queue_name"]), []).append(row)
        else:
            out.append(row_message(row))
    for (actor, _), members in groups.items():
        size = sizes[actor]
        out.extend(group_message(members[i : i + size]) for i in range(0, len(members), size))
    return out
