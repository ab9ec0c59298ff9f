"""Review (投诉审核): apply the scope rules; reject, flag for a human, or pass to evidence."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.db.store import Complaint, Store
from pipeline.domain.review_rules import ComplaintFacts, ReviewContext, review
from pipeline.domain.status import Category, Stage, Status
from pipeline.domain.transitions import Event
from pipeline.settings import Settings


@dataclass(frozen=True)
class Skipped:
    """A duplicate or stale delivery: acknowledged, nothing written."""

    complaint_id: str
    reason: str


def expect(store: Store, complaint_id: str, status: Status, stage: Stage) -> Complaint | Skipped:
    """Lock the complaint and check it is where this stage expects it."""
    c = store.lock(complaint_id)
    if c is None:
        return Skipped(complaint_id, "unknown complaint")
    if c.status is not status or c.stage is not stage:
        return Skipped(complaint_id, f"complaint is {c.status}/{c.stage}, not {status}/{stage}")
    return c


def facts_and_context(
    store: Store, c: Complaint, settings: Settings
) -> tuple[ComplaintFacts, ReviewContext]:
    """What review needs, read in one statement (after serialising reviews of the same
    buyer, order and category, so the duplicate check holds under concurrency)."""
    store.conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext(%s))",
        (f"{c['buyer_id']}\x1f{c['order_id']}\x1f{c['category']}",),
    )
    ctx = store.one(
        "review_context",
        {
            "id": c.id,
            "buyer_id": c["buyer_id"],
            "order_id": c["order_id"],
            "category": c["category"],
            "submitted_at": c["submitted_at"],
        },
    )
    assert ctx is not None
    facts = ComplaintFacts(
        category=Category(c["category"]),
        buyer_id=c["buyer_id"],
        merchant_id=c["merchant_id"],
        order_amount_cents=c["order_amount_cents"],
        claimed_amount_cents=c["claimed_amount_cents"],
        paid_at=c["paid_at"],
        delivered_at=c["delivered_at"],
        submitted_at=c["submitted_at"],
        evidence_hashes=frozenset(ctx["own_hashes"]),
    )
    context = ReviewContext(
        open_duplicate_id=str(ctx["open_duplicate"]) if ctx["open_duplicate"] else None,
        decided_evidence_hashes=frozenset(ctx["decided_hashes"]) if ctx["decided"] else None,
        recent_complaints_by_buyer=int(ctx["recent"]),
        manual_review_amount_cents=settings.manual_review_amount_cents,
        manual_review_recent_complaints=settings.manual_review_recent_complaints,
    )
    return facts, context


def handle_review(
    store: Store, complaint_id: str, settings: Settings, message_id: str | None = None
) -> Complaint | Skipped:
    c = expect(store, complaint_id, Status.IN_REVIEW, Stage.REVIEW)
    if isinstance(c, Skipped):
        return c
    facts, ctx = facts_and_context(store, c, settings)
    decision = review(facts, ctx)
    if decision.rejection is not None:
        return store.apply(
            c,
            Event.REVIEW_REJECTED,
            message_id=message_id,
            rejection_reason=decision.rejection,
            duplicate_of=ctx.open_duplicate_id,
            data={"reason": decision.rejection, "duplicate_of": ctx.open_duplicate_id},
        )
    now = store.clock()
    if decision.flags:
        return store.apply(
            c,
            Event.REVIEW_FLAGGED,
            stage=Stage.MANUAL_REVIEW,
            message_id=message_id,
            flags=list(decision.flags),
            admitted_at=now,
            data={"flags": list(decision.flags)},
        )
    passed = store.apply(
        c, Event.REVIEW_PASSED, stage=Stage.EVIDENCE, message_id=message_id, admitted_at=now
    )
    store.enqueue("evidence", "evidence", complaint_id)
    return passed
