"""Platform decisions (小二 arbitration): who may decide, and decisions that need two people.

A decision awarding more than the four-eyes amount is recorded as proposed and takes effect
when a second staff member approves it. An appeal is decided by someone other than whoever
made (or approved) the decision appealed."""

from __future__ import annotations

from pipeline.db import events
from pipeline.db.store import Complaint, Store
from pipeline.domain.text import text
from pipeline.domain.transitions import Event
from pipeline.handlers import returns
from pipeline.handlers.common import ActionContext, actor_fields, refuse, within_order
from schemas.action import ActionV1


def decide(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    outcome = a.outcome
    assert outcome is not None
    within_order(c, outcome.amount_cents)
    _not_the_appealed_decider(store, c, a.actor.id)
    decided = {
        **outcome.model_dump(exclude_none=True),
        "rule": a.rule,
        "level": c.escalation_level,
    }
    if outcome.decision == "merchant_wins":
        return store.apply(
            c, Event.DECIDE_NO_REMEDY, outcome=decided, data=decided, **actor_fields(a, ctx)
        )
    if (outcome.amount_cents or 0) > ctx.four_eyes_cents:
        return store.apply(
            c,
            Event.DECISION_PROPOSED,
            data={**decided, "needs_approval_above_cents": ctx.four_eyes_cents},
            **actor_fields(a, ctx),
        )
    after = store.apply(c, Event.DECIDE, outcome=decided, data=decided, **actor_fields(a, ctx))
    store.bump_merchant(c.merchant_id, lost=1)
    return returns.require_return(store, after)


def approve_decision(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    """The second pair of eyes: applies the pending proposed decision as it was proposed."""
    pending = events.latest_decision_step(store, c.id)
    if pending is None or pending.event != Event.DECISION_PROPOSED:
        raise refuse(c, "no_pending_decision", text("no proposed decision waits for approval"))
    if pending.actor_id == a.actor.id:
        other = text("a decision is approved by someone other than its proposer")
        raise refuse(c, "four_eyes", other)
    _not_the_appealed_decider(store, c, a.actor.id)
    decided = {k: v for k, v in pending.data.items() if k != "needs_approval_above_cents"}
    decided = {**decided, "proposed_by": pending.actor_id, "approved_by": a.actor.id}
    after = store.apply(
        c, Event.DECISION_APPROVED, outcome=decided, data=decided, **actor_fields(a, ctx)
    )
    store.bump_merchant(c.merchant_id, lost=1)
    return returns.require_return(store, after)


def _not_the_appealed_decider(store: Store, c: Complaint, staff_id: str) -> None:
    appealed = events.appealed_decision(store, c.id)
    if appealed is None:
        return
    deciders = {appealed.actor_id, appealed.data.get("proposed_by")}
    if staff_id in deciders:
        raise refuse(
            c,
            "appeal_needs_other_staff",
            text("an appeal is decided by someone other than who made the decision appealed"),
        )
