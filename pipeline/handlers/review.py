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


def facts_of(store: Store, c: Complaint) -> ComplaintFacts:
    hashes = frozenset(r["sha256"] for r in store.all("evidence_of", {"complaint_id": c.id}))
    return ComplaintFacts(
        category=Category(c["category"]),
        buyer_id=c["buyer_id"],
        merchant_id=c["merchant_id"],
        order_amount_cents=c["order_amount_cents"],
        claimed_amount_cents=c["claimed_amount_cents"],
        paid_at=c["paid_at"],
        delivered_at=c["delivered_at"],
        submitted_at=c["submitted_at"],
        evidence_hashes=hashes,
    )


def context_of(store: Store, c: Complaint, settings: Settings) -> ReviewContext:
    key = {
        "id": c.id,
        "buyer_id": c["buyer_id"],
        "order_id": c["order_id"],
        "category": c["category"],
    }
    # Serialise reviews of the same (buyer, order, category) so the duplicate check holds.
    store.conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext(%s))",
        (f"{c['buyer_id']}\x1f{c['order_id']}\x1f{c['category']}",),
    )
    duplicate = store.one("open_duplicate", key)
    decided = store.all("decided_evidence_hashes", key)
    recent = store.one(
        "recent_complaints_by_buyer",
        {"id": c.id, "buyer_id": c["buyer_id"], "submitted_at": c["submitted_at"]},
    )
    return ReviewContext(
        open_duplicate_id=str(duplicate["id"]) if duplicate else None,
        decided_evidence_hashes=(
            frozenset(h for r in decided for h in r["hashes"]) if decided else None
        ),
        recent_complaints_by_buyer=int(recent["count"]) if recent else 0,
        manual_review_amount_cents=settings.manual_review_amount_cents,
        manual_review_recent_complaints=settings.manual_review_recent_complaints,
    )


def handle_review(
    store: Store, complaint_id: str, settings: Settings, message_id: str | None = None
) -> Complaint | Skipped:
    c = expect(store, complaint_id, Status.IN_REVIEW, Stage.REVIEW)
    if isinstance(c, Skipped):
        return c
    ctx = context_of(store, c, settings)
    decision = review(facts_of(store, c), ctx)
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
