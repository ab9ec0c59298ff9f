"""Review (投诉审核): apply the scope rules; reject, flag for a human, or pass to evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.db import complaints
from pipeline.db.store import Complaint, Store
from pipeline.domain.review_rules import ComplaintFacts, ReviewContext, review
from pipeline.domain.status import Stage, Status
from pipeline.domain.transitions import Event
from pipeline.handlers.common import Item, Skipped, expect
from pipeline.settings import Settings


def _facts_and_context(
    c: Complaint, ctx: dict[str, Any], settings: Settings
) -> tuple[ComplaintFacts, ReviewContext]:
    facts = ComplaintFacts(
        category=c.category,
        buyer_id=c.buyer_id,
        merchant_id=c.merchant_id,
        order_amount_cents=c.order_amount_cents,
        claimed_amount_cents=c.claimed_amount_cents,
        paid_at=c.paid_at,
        delivered_at=c.delivered_at,
        submitted_at=c.submitted_at,
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


def _contexts(store: Store, complaint_ids: list[str]) -> dict[str, dict[str, Any]]:
    return complaints.review_contexts(store, complaint_ids)


def handle_review(
    store: Store, items: Sequence[Item], settings: Settings
) -> list[Complaint | Skipped]:
    """A group's reviews in one transaction. The complaints are locked, reviews of the
    same buyer, order and category serialised (so the duplicate check holds under
    concurrency), and what review reads is read, one statement each. A complaint sharing
    its buyer, order and category with one reviewed before it in the group reads again,
    after that one's writes."""
    ids = [item.complaint_id for item in items]
    store.lock_many(ids)
    complaints.lock_review_keys(store, ids)
    contexts = _contexts(store, ids)
    keys: set[tuple[str, str, str]] = set()
    results: list[Complaint | Skipped] = []
    for item in items:
        cid = item.complaint_id
        c = expect(store, cid, Status.IN_REVIEW, Stage.REVIEW)
        if isinstance(c, Skipped):
            results.append(c)
            continue
        key = (c.buyer_id, c.order_id, c.category)
        ctx = _contexts(store, [cid])[cid] if key in keys else contexts[cid]
        keys.add(key)
        facts, context = _facts_and_context(c, ctx, settings)
        results.append(_review(store, c, facts, context, item.message_id))
    return results


def _review(
    store: Store,
    c: Complaint,
    facts: ComplaintFacts,
    ctx: ReviewContext,
    message_id: str | None,
) -> Complaint:
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
    return store.advance(
        c, Event.REVIEW_PASSED, to=Stage.EVIDENCE, message_id=message_id, admitted_at=now
    )
