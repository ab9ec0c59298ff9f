"""One staff decision for every open complaint of a case (批量投诉): recorded once per
idempotency key and fanned out through the outbox, one message per complaint; each
complaint takes it once (its event names the decision), however often a message comes.

Four eyes, as for a single complaint's decision (pipeline.handlers.decisions): a decision
whose remedy over the whole case — its amount times the complaints linked to the case —
exceeds the four-eyes amount is recorded as proposed and fans out only when a second staff
member approves it. The total is the stricter measure (it is never below the amount per
complaint) and the one that matches what a single person's act moves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pipeline.db import cases, events
from pipeline.db.store import Complaint, Store
from pipeline.domain.errors import ActionRefused, NotFound
from pipeline.domain.stages import Job
from pipeline.domain.status import Role, Status
from pipeline.domain.text import text
from pipeline.domain.transitions import Event, allowed_events
from pipeline.handlers import returns
from pipeline.handlers.common import Item, Skipped


@dataclass(frozen=True)
class CaseDecided:
    decision_id: int
    outcome: Literal["applied", "proposed", "replayed"]
    status: Literal["applied", "proposed"]  # the decision's state now
    sent_to: int  # complaints this request sent it to
    total_cents: int = 0


def decide_case(
    store: Store,
    case_id: str,
    key: str,
    outcome: dict[str, Any],
    rule: str,
    staff: str,
    four_eyes_cents: int,
) -> CaseDecided:
    """Record the decision (once per key); send it to each complaint of the case, or keep
    it as proposed when its total exceeds `four_eyes_cents`."""
    kept = cases.recorded_decision(store, case_id, key)
    if kept is not None:
        return _replayed(kept)
    members = cases.members(store, case_id)
    amount = 0 if outcome["decision"] == "merchant_wins" else outcome.get("amount_cents") or 0
    _within_orders(members, amount)
    total = amount * len(members)
    needs = four_eyes_cents if total > four_eyes_cents else None
    decision = (outcome, rule, staff)
    decision_id = cases.record_decision(store, case_id, key, decision, store.clock(), total, needs)
    if decision_id is None:  # the same key, recorded meanwhile by a concurrent request
        kept = cases.recorded_decision(store, case_id, key)
        assert kept is not None
        return _replayed(kept)
    if needs is not None:
        return CaseDecided(decision_id, "proposed", "proposed", 0, total)
    sent = _fan_out(store, case_id, decision_id, members)
    return CaseDecided(decision_id, "applied", "applied", sent, total)


def approve_case_decision(store: Store, case_id: str, decision_id: int, staff: str) -> CaseDecided:
    """The second pair of eyes: fans a proposed decision out as it was proposed. Approving
    it again (the same person) answers the approval again; the proposer may not approve."""
    d = cases.lock_decision(store, case_id, decision_id)
    if d is None:
        raise NotFound(
            text("no decision {decision} for case {id}", decision=decision_id, id=case_id)
        )
    if d["approved_by"] == staff:
        return CaseDecided(decision_id, "replayed", "applied", 0)
    if d["needs_approval_above_cents"] is None or d["approved_by"] is not None:
        raise ActionRefused("no_pending_decision", text("no proposed decision waits for approval"))
    if d["decided_by"] == staff:
        other = text("a decision is approved by someone other than its proposer")
        raise ActionRefused("four_eyes", other)
    cases.approve_decision(store, decision_id, staff, store.clock())
    return CaseDecided(decision_id, "applied", "applied", _fan_out(store, case_id, decision_id))


def _within_orders(members: list[dict[str, Any]], amount: int) -> None:
    """Refuse an amount above the order of a complaint the decision would reach (it could
    not take it: the amount is per complaint)."""
    decide = str(Event.CASE_DECIDED)
    beyond = [
        m
        for m in members
        if amount > m["order_amount_cents"]
        and decide in allowed_events(Status(m["status"]), Role.PLATFORM)
    ]
    if beyond:
        smallest = min(m["order_amount_cents"] for m in beyond)
        raise ActionRefused(
            "amount_exceeds_order",
            text(
                "amount {amount} exceeds the order amount of {count} complaints of the case"
                " (the smallest {order})",
                amount=amount,
                count=len(beyond),
                order=smallest,
            ),
        )


def _replayed(kept: dict[str, Any]) -> CaseDecided:
    pending = kept["needs_approval_above_cents"] is not None and kept["approved_by"] is None
    return CaseDecided(int(kept["id"]), "replayed", "proposed" if pending else "applied", 0)


def _fan_out(
    store: Store, case_id: str, decision_id: int, members: list[dict[str, Any]] | None = None
) -> int:
    if members is None:
        members = cases.members(store, case_id)
    for m in members:
        store.enqueue(Job.CASE_DECIDE, str(m["id"]), case_decision_id=decision_id)
    cases.close(store, case_id, store.clock())
    return len(members)


def apply_case_decisions(store: Store, items: Sequence[Item]) -> list[Complaint | Skipped]:
    """Each complaint takes its case's decision (once, however often its message comes)."""
    return [
        apply_case_decision(store, i.complaint_id, i.number("case_decision_id"), i.message_id)
        for i in items
    ]


def apply_case_decision(
    store: Store, complaint_id: str, decision_id: int, message_id: str | None = None
) -> Complaint | Skipped:
    c = store.lock(complaint_id)
    if c is None:
        return Skipped(complaint_id, "unknown complaint")
    if events.case_decision_applied(store, c.id, decision_id):
        return Skipped(complaint_id, "case decision already applied")
    if str(Event.CASE_DECIDED) not in allowed_events(c.status, Role.PLATFORM):
        return Skipped(complaint_id, f"complaint is {c.status}: the case decision passes it by")
    d = cases.decision(store, decision_id)
    assert d is not None
    if d["needs_approval_above_cents"] is not None and d["approved_by"] is None:
        return Skipped(complaint_id, "case decision not approved")
    decided = {
        **d["outcome"],
        "rule": d["rule"],
        "level": c.escalation_level,
        "case_id": str(d["case_id"]),
        "case_decision_id": decision_id,
    }
    actor = d["decided_by"]
    if d["approved_by"] is not None:
        decided = {**decided, "proposed_by": d["decided_by"], "approved_by": d["approved_by"]}
        actor = d["approved_by"]
    who = {"role": Role.PLATFORM, "actor_id": actor, "message_id": message_id}
    if decided["decision"] == "merchant_wins":
        return store.apply(c, Event.CASE_DECIDED_NO_REMEDY, outcome=decided, data=decided, **who)
    after = store.apply(c, Event.CASE_DECIDED, outcome=decided, data=decided, **who)
    store.bump_merchant(c.merchant_id, lost=1)
    return returns.require_return(store, after)
