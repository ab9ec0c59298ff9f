"""The relay's outbox rows -> messages: every job's rows in groups of its size, per queue."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from pipeline.domain.stages import STAGES, current_form, group_sizes
from workers.coalesce import is_group, items_of, messages_for, split_group

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


def test_a_lone_row_is_a_group_of_one_with_its_message_id_and_queue() -> None:
    rows = [row("review", 1), row("dispatch", 2, queue="handle.counterfeit")]
    messages = messages_for(rows, SIZES)
    assert sorted((m.actor_name, m.queue_name, m.message_id) for m in messages) == [
        ("dispatch", "handle.counterfeit", str(uuid.UUID(int=2))),
        ("review", "review", str(uuid.UUID(int=1))),
    ]
    review = {m.actor_name: m for m in messages}["review"]
    assert review.kwargs == {"items": [[str(uuid.UUID(int=1)), {"complaint_id": "c1"}]]}
    assert not is_group(review) and items_of(review) == review.kwargs["items"]


def test_rows_of_one_job_become_groups_in_row_order() -> None:
    rows = [row("notify", n) for n in range(1, 6)] + [row("route", 9)]
    messages = messages_for(rows, sizes={"notify": 2, "route": 2})
    assert [m.actor_name for m in messages] == ["notify", "notify", "notify", "route"]
    assert [len(m.kwargs["items"]) for m in messages] == [2, 2, 1, 1]
    items = [i for m in messages[:2] for i in m.kwargs["items"]]
    assert items == [[str(uuid.UUID(int=n)), row("notify", n)["payload"]] for n in range(1, 5)]
    assert messages[2].message_id == str(uuid.UUID(int=5))  # a lone row keeps its id
    assert {m.queue_name for m in messages[:3]} == {"notify"}


def test_a_split_group_is_groups_of_one_with_the_rows_ids() -> None:
    (group,) = messages_for([row("review", n) for n in range(3)], SIZES)
    assert is_group(group)
    singles = split_group(group)
    assert [(m.actor_name, m.queue_name, m.message_id) for m in singles] == [
        ("review", "review", str(uuid.UUID(int=n))) for n in range(3)
    ]
    assert [m.kwargs for m in singles] == [{"items": [item]} for item in group.kwargs["items"]]
    assert not any(is_group(m) for m in singles)


def test_messages_of_the_old_forms_are_read_in_todays() -> None:
    mid = str(uuid.UUID(int=7))
    items = [[mid, {"complaint_id": "c1"}]]
    assert current_form("review_many", {"items": items}, "g") == ("review", {"items": items})
    assert current_form("review", {"complaint_id": "c1"}, mid) == ("review", {"items": items})
    assert current_form("review", {"items": items}, mid) == ("review", {"items": items})
    assert current_form("act", {"payload": {}}, mid) == ("act", {"payload": {}})


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
    stages = [str(job) for job, r in STAGES.items() if r.stage is not None]
    assert stages == ["review", "evidence", "route", "dispatch"]
    assert {a: sizes[a] for a in stages} == dict.fromkeys(stages, 3)
    assert (sizes["notify"], sizes["sla_breach"], sizes["case_decide"]) == (100, 50, 1)
    rows = [row("evidence", n) for n in range(7)]
    messages = messages_for(rows, sizes)
    assert [len(m.kwargs["items"]) for m in messages] == [3, 3, 1]
    assert messages[-1].actor_name == "evidence"  # the 7th, alone
    with pytest.raises(ValueError, match="at least 1"):
        group_sizes(0)
