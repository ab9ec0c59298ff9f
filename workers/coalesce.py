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

#: actor -> largest group. Deadlines fire in bursts of the scheduler's batch (500): groups
#: of 50 still feed 16 threads (ten per batch) and write set-based at less cost per breach
#: (1.26 -> 0.99 ms in process from 10 to 25; from 25 to 50, 10,000 breaches: median
#: 9.3 -> 8.7 s, PG + worker CPU 1.67 -> 1.61 ms each). Notify work is tiny: large groups.
GROUP_SIZES: dict[str, int] = {
    "notify": 100,
    "sla_breach": 50,
    "sla_warning": 50,
    "case_count": 100,  # one tally statement per group (pipeline.handlers.cases)
}
#: The automated stages, grouped up to the `stage_group_size` setting (see `group_sizes`).
STAGES = ("review", "evidence", "route", "dispatch")


def group_sizes(stage_group_size: int) -> dict[str, int]:
    """Largest group per actor. A stage group costs one broker hop, one transaction and a
    few set-based statements however many items it has, so larger groups cost less CPU per
    complaint under a backlog (end to end, 2 processes, 3,000 complaints: 10 -> 20 -> 40
    -> 100 items ran at about 400 -> 460 -> 530 -> 620 complaints/s). Smaller groups spread
    a burst over more worker threads: a relay batch (500 rows) of one stage makes
    500 / size messages, which should not be fewer than the consumer threads of a large
    deployment."""
    if stage_group_size < 1:
        raise ValueError(f"stage_group_size must be at least 1, got {stage_group_size}")
    return {**GROUP_SIZES, **dict.fromkeys(STAGES, stage_group_size)}


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


def messages_for(rows: Sequence[Row], sizes: Mapping[str, int]) -> list[Message[Any]]:
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
