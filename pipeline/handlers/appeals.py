"""Appeals (申诉) of a resolved complaint: the buyer's and the merchant's, each once, within
the buyer's 7-day confirmation window, back to arbitration one escalation level up. The
merchant appeals a platform decision only (an agreement is its own). Whoever decided the
appealed decision does not decide the appeal (pipeline.handlers.decisions)."""

from __future__ import annotations

from pipeline.db import deadlines, events
from pipeline.db.store import Complaint, Store
from pipeline.domain.status import Status
from pipeline.domain.text import text
from pipeline.domain.transitions import Event
from pipeline.handlers.common import ActionContext, actor_fields, refuse
from schemas.action import ActionV1


def _may_appeal(store: Store, c: Complaint, event: Event) -> None:
    if c.status is not Status.RESOLVED:
        needs = text("an appeal needs status resolved, not {status}", status=c.status.value)
        raise refuse(c, "not_allowed_now", needs)
    if events.count(store, c.id, event):
        used = text("a complaint may be appealed once by each party")
        raise refuse(c, "appeal_already_used", used)
    window = deadlines.live(store, c.id, "buyer_confirmation")
    if window is None or window.due_at < store.clock():
        raise refuse(c, "appeal_window_closed", text("the 7-day appeal window has closed"))


def _appeal(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext, event: Event) -> Complaint:
    return store.apply(
        c,
        event,
        escalation_level=c.escalation_level + 1,
        data={"text": a.text},
        **actor_fields(a, ctx),
    )


def buyer_appeal(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    _may_appeal(store, c, Event.APPEAL)
    return _appeal(store, c, a, ctx, Event.APPEAL)


def merchant_appeal(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    _may_appeal(store, c, Event.MERCHANT_APPEAL)
    if events.last_decision(store, c.id) is None:
        raise refuse(
            c,
            "no_decision_to_appeal",
            text("the complaint was settled by agreement, not decided"),
        )
    return _appeal(store, c, a, ctx, Event.MERCHANT_APPEAL)
