"""Asking for time and for information.

A merchant may ask once per clock for more time on its running clock (up to 48 h, with a
reason); the buyer or staff grant or refuse it, and a request nobody answered lapses when
the clock runs out. Staff may ask a party for information while they arbitrate: their
clock pauses, the party's runs, and the answer (or its breach) resumes the staff clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pipeline.db import deadlines, events
from pipeline.db.deadlines import Deadline
from pipeline.db.events import EventStep
from pipeline.db.store import Complaint, Store
from pipeline.domain.actions import ACTION_EVENTS
from pipeline.domain.sla import MAX_EXTENSION
from pipeline.domain.status import Role
from pipeline.domain.text import text
from pipeline.domain.transitions import Event
from pipeline.handlers.common import ActionContext, actor_fields, refuse
from schemas.action import ActionV1


def _merchant_clock(store: Store, c: Complaint) -> Deadline:
    d = deadlines.running(store, c.id)
    if d is None or d.party != Role.MERCHANT:
        only = text("only a running clock of the merchant is extended")
        raise refuse(c, "not_allowed_now", only)
    return d


def _steps(store: Store, c: Complaint, deadline_id: int) -> list[EventStep]:
    return events.extension_steps(store, c.id, deadline_id)


def request_extension(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    assert a.hours is not None
    d = _merchant_clock(store, c)
    if _steps(store, c, d.id):
        raise refuse(c, "extension_already_used", text("a clock is extended at most once"))
    if timedelta(hours=a.hours) > MAX_EXTENSION:
        most = text("at most {hours} hours more", hours=int(MAX_EXTENSION.total_seconds() // 3600))
        raise refuse(c, "extension_too_long", most)
    data = {"deadline_id": d.id, "kind": d.kind, "hours": a.hours, "text": a.text}
    return store.apply(c, Event.EXTENSION_REQUESTED, data=data, **actor_fields(a, ctx))


def _pending(store: Store, c: Complaint) -> tuple[Deadline, dict[str, Any]]:
    d = deadlines.running(store, c.id)
    steps = _steps(store, c, d.id) if d is not None else []
    if d is None or not steps or steps[0].event != Event.EXTENSION_REQUESTED:
        none = text("no extension request waits for an answer")
        raise refuse(c, "no_pending_extension", none)
    return d, steps[0].data


def grant_extension(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    d, asked = _pending(store, c)
    due = store.policy.calendar.add(d.due_at, timedelta(hours=asked["hours"]))
    warn = min(d.warn_at + (due - d.due_at), due)
    deadlines.extend(store, d.id, due, warn)
    data = {"deadline_id": d.id, "hours": asked["hours"], "due_at": due.isoformat()}
    return store.apply(
        c,
        Event.EXTENSION_GRANTED,
        data={**data, "text": a.text},
        due_at=due,  # the row carries its running clock (lists sort on it)
        **actor_fields(a, ctx),
    )


def refuse_extension(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    d, _ = _pending(store, c)
    data = {"deadline_id": d.id, "text": a.text}
    return store.apply(c, Event.EXTENSION_REFUSED, data=data, **actor_fields(a, ctx))


def lapse_pending(store: Store, c: Complaint, deadline_id: int, mid: str | None) -> Complaint:
    """Silence refuses: a request still unanswered when its clock runs out lapses."""
    steps = _steps(store, c, deadline_id)
    if not steps or steps[0].event != Event.EXTENSION_REQUESTED:
        return c
    return store.apply(c, Event.EXTENSION_LAPSED, data={"deadline_id": deadline_id}, message_id=mid)


def request_information(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    assert a.party is not None
    party = Role(a.party)
    return store.apply(
        c,
        Event.INFORMATION_REQUESTED,
        clock_party=party,
        notify=(party,),
        data={"party": a.party, "text": a.text},
        **actor_fields(a, ctx),
    )


def provide_information(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    asked = deadlines.live(store, c.id, "information_answer")
    if asked is not None and asked.party != a.actor.role:
        asked_whom = text("staff asked the {party} for this information", party=asked.party)
        raise refuse(c, "not_asked", asked_whom)
    return store.apply(c, ACTION_EVENTS[a.action], data={"text": a.text}, **actor_fields(a, ctx))


def information_timeout(
    store: Store, c: Complaint, data: dict[str, Any], mid: str | None
) -> Complaint:
    """The party asked did not answer: the platform goes on without it."""
    return store.apply(c, Event.SLA_INFORMATION_TIMEOUT, data=data, message_id=mid)
