"""The relay's outbox rows -> messages: rows of a groupable actor and queue coalesced."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from workers.coalesce import group_sizes, messages_for

SIZES = group_sizes(10)


def row(actor: str, n: int, queue: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"complaint_id": f"c{n}"}
    if actor == "notify":
        payload["event_seq"] = n % 3 + 1
    return {
        "message_id": uuid.UUID(int=n),
        "queue_name": queue or actor,
        "actor_name": actor,
        "payload": payload,
    }


def test_lone_rows_and_ungrouped_actors_keep_their_message_ids_and_queues() -> None:
    rows = [row("review", 1), row("dispatch", 2, queue="handle.counterfeit"), row("act", 3)]
    messages = messages_for(rows, SIZES)
    assert sorted((m.actor_name, m.queue_name, m.message_id) for m in messages) == [
        ("act", "act", str(uuid.UUID(int=3))),
        ("dispatch", "handle.counterfeit", str(uuid.UUID(int=2))),
        ("review", "review", str(uuid.UUID(int=1))),
    ]
    assert {m.actor_name: m.kwargs for m in messages}["review"] == {"complaint_id": "c1"}


def test_rows_of_one_actor_become_groups_in_row_order() -> None:
    rows = [row("notify", n) for n in range(1, 6)] + [row("route", 9)]
    messages = messages_for(rows, sizes={"notify": 2, "route": 2})
    assert [m.actor_name for m in messages] == ["notify_many", "notify_many", "notify", "route"]
    items = [i for m in messages[:2] for i in m.kwargs["items"]]
    assert items == [[str(uuid.UUID(int=n)), row("notify", n)["payload"]] for n in range(1, 5)]
    assert messages[2].message_id == str(uuid.UUID(int=5))  # a lone row goes as it is
    assert {m.queue_name for m in messages[:3]} == {"notify"}


def test_groups_never_mix_queues() -> None:
    rows = [
        row("dispatch", n, queue=f"handle.{'counterfeit' if n % 2 else 'service'}")
        for n in range(6)
    ]
    messages = messages_for(rows, SIZES)
    assert sorted((m.queue_name, len(m.kwargs["items"])) for m in messages) == [
        ("handle.counterfeit", 3),
        ("handle.service", 3),
    ]


def test_a_republished_group_has_the_same_message_id() -> None:
    rows = [row("notify", n) for n in range(4)]
    first, again = messages_for(rows, SIZES), messages_for(list(rows), SIZES)
    assert len(first) == 1 and first[0].message_id == again[0].message_id
    other = messages_for(rows[:3], SIZES)
    assert other[0].message_id != first[0].message_id


def test_the_setting_caps_every_automated_stage_and_nothing_else() -> None:
    sizes = group_sizes(3)
    assert {a: sizes[a] for a in ("review", "evidence", "route", "dispatch")} == dict.fromkeys(
        ("review", "evidence", "route", "dispatch"), 3
    )
    assert (sizes["notify"], sizes["sla_breach"]) == (100, 50)
    rows = [row("evidence", n) for n in range(7)]
    messages = messages_for(rows, sizes)
    assert [len(m.kwargs.get("items", [m.kwargs])) for m in messages] == [3, 3, 1]
    assert messages[-1].actor_name == "evidence"  # the 7th, alone
    with pytest.raises(ValueError, match="at least 1"):
        group_sizes(0)
