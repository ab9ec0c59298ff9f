"""Negotiation (协商): the merchant's offer and its revisions, the buyer's counter-offers,
and agreement. Each merchant offer opens a round; the party who must answer runs its clock
(merchant_proposed: the buyer's; buyer_countered: the merchant's). A buyer's counter-offer
in the last round goes to the platform instead of back to the merchant.

The offer on the table is the complaint's `remedy`, with who made it (`by`) and its round;
an offer the platform's rules let through only for an explicit answer names that rule in
`explicit` (the buyer's silence then sends it to arbitration, pipeline.handlers.sla)."""

from __future__ import annotations

from typing import Any

from pipeline.db import clocks, events, evidence_items
from pipeline.db.store import Complaint, Store
from pipeline.domain.remedy_rules import Effect, RemedyFacts, judge
from pipeline.domain.status import EvidenceKind, Role, Status, Verdict
from pipeline.domain.text import text
from pipeline.domain.transitions import Event
from pipeline.handlers import governance, returns
from pipeline.handlers.common import ActionContext, actor_fields, refuse, within_order
from schemas.action import ActionV1, Remedy

VISUAL = frozenset({EvidenceKind.PHOTO, EvidenceKind.VIDEO})
#: Merchant offers (the first and its revisions) before the platform decides instead.
MAX_OFFER_ROUNDS = 3


def rounds(store: Store, c: Complaint) -> int:
    return events.offer_rounds(store, c.id)


def _visual_evidence(store: Store, c: Complaint) -> bool:
    return any(
        i["verdict"] == Verdict.OK
        and i["submitted_by_role"] == Role.BUYER
        and EvidenceKind(i["kind"]) in VISUAL
        for i in evidence_items.of(store, c.id)
    )


def _offer(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext, event: Event) -> Complaint:
    """A merchant offer (first or revised): checked at once against the platform's rules."""
    remedy = a.remedy
    assert remedy is not None
    within_order(c, remedy.amount_cents, remedy.compensation_cents)
    n = rounds(store, c) + 1
    if n > MAX_OFFER_ROUNDS:
        made = text("{rounds} offers were made already", rounds=MAX_OFFER_ROUNDS)
        raise refuse(c, "offer_rounds_exhausted", made)
    rule = judge(
        RemedyFacts(
            category=c.category,
            order_amount_cents=c.order_amount_cents,
            type=remedy.type,
            amount_cents=remedy.amount_cents,
            compensation_cents=remedy.compensation_cents,
            visual_evidence=_visual_evidence(store, c),
        )
    )
    proposed = _on_table(remedy, "merchant", n)
    if rule is not None and rule.effect is Effect.EXPLICIT:
        proposed["explicit"] = rule.name
    after = store.apply(
        c, event, remedy=proposed, data={"remedy": proposed}, **actor_fields(a, ctx)
    )
    if rule is not None and rule.effect is Effect.REFUSE:
        return store.apply(
            after, Event.REMEDY_REFUSED, data={"rule": rule.name, "remedy": proposed}
        )
    if governance.holds_offer(store, after):  # a supervised merchant: staff look first
        return store.apply(after, Event.OFFER_HELD, data={"remedy": proposed})
    approved = store.apply(after, Event.REMEDY_APPROVED, data={"remedy": proposed})
    if c.status is Status.MERCHANT_PROPOSED:  # a revision: the buyer's clock starts again
        clocks.start(store, approved.row, approved.status, store.clock(), replacing=True)
    return approved


def _on_table(remedy: Remedy, by: str, n: int) -> dict[str, Any]:
    return {**remedy.model_dump(exclude_none=True), "by": by, "round": n}


def accept(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    after = _offer(store, c, a, ctx, Event.MERCHANT_ACCEPT)
    store.bump_merchant(c.merchant_id, accepted=1)
    return after


def revise(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    return _offer(store, c, a, ctx, Event.REVISE_OFFER)


def counter(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    """The buyer names the remedy it wants; in the last round the platform decides."""
    remedy = a.remedy
    assert remedy is not None
    within_order(c, remedy.amount_cents, remedy.compensation_cents)
    n = rounds(store, c)
    proposed = _on_table(remedy, "buyer", n)
    data = {"remedy": proposed, "text": a.text} if a.text else {"remedy": proposed}
    after = store.apply(c, Event.COUNTER_OFFER, remedy=proposed, data=data, **actor_fields(a, ctx))
    if n >= MAX_OFFER_ROUNDS:
        return store.apply(after, Event.NEGOTIATION_EXHAUSTED, data={"rounds": n})
    return after


def _agreed(c: Complaint, **extra: Any) -> dict[str, Any]:
    remedy = {k: v for k, v in (c.remedy or {}).items() if k != "explicit"}
    return {
        "decision": "agreed",
        "remedy": remedy,
        "amount_cents": remedy.get("amount_cents"),
        **extra,
    }


def accept_offer(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    outcome = _agreed(c)
    after = store.apply(
        c, Event.ACCEPT_OFFER, outcome=outcome, data={"outcome": outcome}, **actor_fields(a, ctx)
    )
    return returns.require_return(store, after)


def accept_counter(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    outcome = _agreed(c)
    after = store.apply(
        c, Event.ACCEPT_COUNTER, outcome=outcome, data={"outcome": outcome}, **actor_fields(a, ctx)
    )
    return returns.require_return(store, after)


def offer_timeout(store: Store, c: Complaint, data: dict[str, Any], mid: str | None) -> Complaint:
    """The buyer let its clock run out: an ordinary offer is accepted by silence; one the
    rules let through only for an explicit answer goes to the platform."""
    explicit = (c.remedy or {}).get("explicit")
    if explicit:
        return store.apply(
            c, Event.SLA_OFFER_UNANSWERED, data={**data, "rule": explicit}, message_id=mid
        )
    outcome = _agreed(c, by="silence")
    after = store.apply(
        c, Event.SLA_OFFER_TIMEOUT, outcome=outcome, data={**data, **outcome}, message_id=mid
    )
    return returns.require_return(store, after)


def counter_timeout(store: Store, c: Complaint, data: dict[str, Any], mid: str | None) -> Complaint:
    store.bump_merchant(c.merchant_id, breaches=1)
    return store.apply(c, Event.SLA_COUNTER_TIMEOUT, data=data, message_id=mid)
