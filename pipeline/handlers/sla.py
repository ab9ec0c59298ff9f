"""Deadline breaches and warnings (fired by the scheduler through the outbox).

A breach applies only if the complaint still runs under the clock that fired; otherwise it
moved on in time and the message is skipped. Breach actions are a table, per status."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pipeline.db import clocks, deadlines, events
from pipeline.db.deadlines import Deadline
from pipeline.db.store import Complaint, Store
from pipeline.domain.sla import CLOCKS
from pipeline.domain.status import Role, Status
from pipeline.domain.transitions import Event
from pipeline.handlers import governance, offers, payments, returns, time_requests
from pipeline.handlers.common import Item, Skipped

Breach = Callable[[Store, Complaint, dict[str, Any], str | None], Complaint]


def _escalate(store: Store, c: Complaint, data: dict[str, Any], mid: str | None) -> Complaint:
    """Level +1, the platform's supervisors are told, and a fresh clock starts."""
    event = CLOCKS[c.status].breach_event
    now = store.clock()
    fresh = store.policy.clock_for(c.status, c.category, now)
    after = store.apply(
        c,
        event,
        escalation_level=c.escalation_level + 1,
        data={**data, "level": c.escalation_level + 1},
        message_id=mid,
        notify=(Role.PLATFORM,),
        **clocks.running_of(fresh),
    )
    clocks.start(store, after.row, after.status, now)
    return after


def _evidence_timeout(
    store: Store, c: Complaint, data: dict[str, Any], mid: str | None
) -> Complaint:
    return store.apply(
        c, Event.SLA_EVIDENCE_TIMEOUT, data={**data, "reason": "evidence_timeout"}, message_id=mid
    )


def _merchant_silent(
    store: Store, c: Complaint, data: dict[str, Any], mid: str | None
) -> Complaint:
    """小二介入 with an automatic decision for the buyer, and a penalty point."""
    arbitration = store.apply(c, Event.SLA_MERCHANT_BREACHED, data=data, message_id=mid)
    outcome = {
        "decision": "buyer_wins",
        "amount_cents": c.claimed_amount_cents,
        "rule": "merchant_answer_deadline",
        "level": c.escalation_level,
        "auto": True,
    }
    store.bump_merchant(c.merchant_id, breaches=1, penalty=1, lost=1)
    governance.penalise(store, c, "merchant_answer_deadline")
    return store.apply(arbitration, Event.DECIDE, outcome=outcome, data=outcome, message_id=mid)


def _confirmed_by_silence(
    store: Store, c: Complaint, data: dict[str, Any], mid: str | None
) -> Complaint:
    return store.apply(c, Event.SLA_CONFIRM_TIMEOUT, data=data, message_id=mid)


def _suspension_over(
    store: Store, c: Complaint, data: dict[str, Any], mid: str | None
) -> Complaint:
    return store.apply(
        c, Event.SLA_SUSPENSION_ELAPSED, suspended_from=None, data=data, message_id=mid
    )


BREACH_ACTIONS: dict[Status, Breach] = {
    Status.IN_REVIEW: _escalate,
    Status.AWAITING_EVIDENCE: _evidence_timeout,
    Status.AWAITING_MERCHANT: _merchant_silent,
    Status.MERCHANT_PROPOSED: offers.offer_timeout,
    Status.BUYER_COUNTERED: offers.counter_timeout,
    Status.AWAITING_INFORMATION: time_requests.information_timeout,
    Status.AWAITING_RETURN: returns.not_shipped,
    Status.RETURN_IN_TRANSIT: returns.receipt_assumed,
    Status.AWAITING_SETTLEMENT: payments.settlement_overdue,
    Status.OFFER_PENDING_APPROVAL: _escalate,
    Status.IN_ARBITRATION: _escalate,
    Status.REMEDY_IN_PROGRESS: payments.remedy_breached,
    Status.RESOLVED: _confirmed_by_silence,
    Status.SUSPENDED: _suspension_over,
}


def _deadline_data(d: Deadline) -> dict[str, Any]:
    return {"deadline_id": d.id, "kind": d.kind, "due_at": d.due_at.isoformat()}


def _fired(store: Store, deadline_ids: list[int]) -> dict[int, Deadline]:
    return deadlines.fired(store, deadline_ids)


def handle_breach(store: Store, items: Sequence[Item]) -> list[Complaint | Skipped]:
    """A group's breaches in one transaction: their complaints locked and their deadlines
    read with one statement each, so the breaches' writes go out together
    (pipeline.db.pending)."""
    store.lock_many([item.complaint_id for item in items])
    fired = _fired(store, [item.number("deadline_id") for item in items])
    seen: set[str] = set()
    results: list[Complaint | Skipped] = []
    for item in items:
        cid, deadline_id, mid = item.complaint_id, item.number("deadline_id"), item.message_id
        # A second breach of the same complaint reads what the first one wrote.
        d = _fired(store, [deadline_id]) if cid in seen else fired
        seen.add(cid)
        results.append(_breach(store, store.lock(cid), cid, d.get(deadline_id), mid))
    return results


def _breach(
    store: Store,
    c: Complaint | None,
    complaint_id: str,
    d: Deadline | None,
    message_id: str | None,
) -> Complaint | Skipped:
    if c is None or d is None or d.state != "fired" or d.complaint_id != c.id:
        return Skipped(complaint_id, "no fired deadline")
    rule = CLOCKS.get(c.status)
    if rule is None or rule.kind != d.kind:
        return Skipped(complaint_id, f"complaint moved on to {c.status}")
    if d.superseded:
        return Skipped(complaint_id, "a newer clock of this kind runs")
    c = time_requests.lapse_pending(store, c, d.id, message_id)
    return BREACH_ACTIONS[c.status](store, c, _deadline_data(d), message_id)


def handle_warning(store: Store, items: Sequence[Item]) -> list[Complaint | Skipped]:
    """Tell each responsible party, once, that 80 % of its window has passed."""
    store.lock_many([item.complaint_id for item in items])
    return [
        _warning(store, item.complaint_id, item.number("deadline_id"), item.message_id)
        for item in items
    ]


def _warning(
    store: Store, complaint_id: str, deadline_id: int, message_id: str | None
) -> Complaint | Skipped:
    c = store.lock(complaint_id)
    d = deadlines.get(store, deadline_id)
    if c is None or d is None or d.state != "open" or d.warned_at is None:
        return Skipped(complaint_id, "deadline no longer running")
    if events.warning_sent(store, c.id, deadline_id):
        return Skipped(complaint_id, "warning already sent")
    return store.apply(
        c,
        Event.SLA_WARNING,
        data=_deadline_data(d),
        message_id=message_id,
        notify=(Role(d.party),),
    )
