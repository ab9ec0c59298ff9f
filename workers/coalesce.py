"""Turn claimed outbox rows into Dramatiq messages: each job's rows in groups.

A broker hop costs about as much worker CPU as a small stage's work (fetch, ack, the
middleware chain, a delivery count), so the relay sends the rows of one batch that go to
the same job and queue as one message of up to the job's group size (the stage table,
pipeline.domain.stages), carrying each row's message id and payload: `{"items":
[[message_id, payload], …]}`. A lone row is a group of one, with the row's message id; a
larger group's id is derived from its rows' ids, so a relay that crashes before marking
rows sent republishes the same ids."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from dramatiq import Message

from pipeline.domain.stages import STAGES, group_sizes

__all__ = ["group_sizes", "is_group", "items_of", "messages_for", "split_group"]

_GROUP_NAMESPACE = uuid.UUID("7d1f3c2e-8a55-4d0f-9a3e-5b6c2d1e0f42")

Row = Mapping[str, Any]


def items_of(message: Any) -> list[list[Any]]:
    """A job message's [message_id, payload] items ([] for other actors' messages)."""
    if message.actor_name not in STAGES:
        return []
    return list((message.kwargs or {}).get("items", []))


def is_group(message: Any) -> bool:
    """A job message of more than one item (one that can be split)."""
    return len(items_of(message)) > 1


def _group(queue: str, actor: str, items: list[list[Any]], message_id: str) -> Message[Any]:
    return Message(
        queue_name=queue,
        actor_name=actor,
        args=(),
        kwargs={"items": items},
        options={},
        message_id=message_id,
    )


def group_message(rows: Sequence[Row]) -> Message[Any]:
    """One message for rows of the same job and queue."""
    if len(rows) == 1:
        message_id = str(rows[0]["message_id"])
    else:
        ids = ",".join(str(r["message_id"]) for r in rows)
        message_id = str(uuid.uuid5(_GROUP_NAMESPACE, ids))
    items = [[str(r["message_id"]), r["payload"]] for r in rows]
    return _group(rows[0]["queue_name"], rows[0]["actor_name"], items, message_id)


def split_group(message: Any) -> list[Message[Any]]:
    """A group message's items as groups of one (each with its own row's message id)."""
    return [
        _group(message.queue_name, message.actor_name, [[message_id, payload]], message_id)
        for message_id, payload in items_of(message)
    ]


def messages_for(rows: Sequence[Row], sizes: Mapping[str, int]) -> list[Message[Any]]:
    """Rows in groups per job and queue (in row order within each), of at most
    `sizes[job]` items (`group_sizes`)."""
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        groups.setdefault((row["actor_name"], row["queue_name"]), []).append(row)
    out: list[Message[Any]] = []
    for (actor, _), members in groups.items():
        size = sizes.get(actor, 1)
        out.extend(group_message(members[i : i + size]) for i in range(0, len(members), size))
    return out
