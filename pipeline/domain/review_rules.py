"""Scope review (投诉审核) as data: rules that reject, and rules that flag for a human."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeline.domain.status import Category, RejectionReason
from schemas.categories import CATEGORIES, Anchor


@dataclass(frozen=True)
class ComplaintFacts:
    """What review needs to know about one complaint (no I/O types)."""

    category: Category
    buyer_id: str
    merchant_id: str
    order_amount_cents: int
    claimed_amount_cents: int
    paid_at: datetime | None
    delivered_at: datetime | None
    submitted_at: datetime
    evidence_hashes: frozenset[str]


@dataclass(frozen=True)
class ReviewContext:
    """Facts from other complaints, looked up by the handler."""

    open_duplicate_id: str | None = None
    decided_evidence_hashes: frozenset[str] | None = None  # None: no decided complaint
    recent_complaints_by_buyer: int = 0
    manual_review_amount_cents: int = 500_000
    manual_review_recent_complaints: int = 5


#: Complaint window per category: days after which anchor (the category table).
WINDOWS: dict[Category, tuple[Anchor, int]] = {
    Category(row.name): (row.window_anchor, row.window_days) for row in CATEGORIES
}


def within_window(c: ComplaintFacts) -> bool:
    anchor, days = WINDOWS[c.category]
    # Never delivered: the delivery-anchored window runs from payment instead.
    start = c.delivered_at if anchor == "delivered" and c.delivered_at else c.paid_at
    if start is None:
        return False
    return c.submitted_at <= start + timedelta(days=days)


def _not_already_decided(c: ComplaintFacts, ctx: ReviewContext) -> bool:
    if ctx.decided_evidence_hashes is None:
        return True
    return bool(c.evidence_hashes - ctx.decided_evidence_hashes)  # new evidence re-opens


Check = Callable[[ComplaintFacts, ReviewContext], bool]


def _in_category(name: str) -> Check:
    return lambda c, _: c.category == name


#: Rules in the order they are checked; the first that fails names the rejection reason.
SCOPE_RULES: tuple[tuple[RejectionReason, Check], ...] = (
    (RejectionReason.SAME_PARTY, lambda c, _: c.buyer_id != c.merchant_id),
    (RejectionReason.NOT_PAID, lambda c, _: c.paid_at is not None),
    (RejectionReason.WINDOW_EXPIRED, lambda c, _: within_window(c)),
    (
        RejectionReason.AMOUNT_EXCEEDS_ORDER,
        lambda c, _: c.claimed_amount_cents <= c.order_amount_cents,
    ),
    (RejectionReason.DUPLICATE, lambda _, ctx: ctx.open_duplicate_id is None),
    (RejectionReason.ALREADY_DECIDED, _not_already_decided),
)

#: Rules that send a complaint to manual investigation (进一步调查) instead of onwards.
FLAG_RULES: tuple[tuple[str, Check], ...] = (
    (
        "amount_above_threshold",
        lambda c, ctx: c.claimed_amount_cents > ctx.manual_review_amount_cents,
    ),
    # Categories whose every complaint a person reviews (counterfeit), under their flag.
    *((row.review_flag, _in_category(row.name)) for row in CATEGORIES if row.review_flag),
    (
        "frequent_complainant",
        lambda _, ctx: ctx.recent_complaints_by_buyer >= ctx.manual_review_recent_complaints,
    ),
)


@dataclass(frozen=True)
class ReviewDecision:
    rejection: RejectionReason | None
    flags: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.rejection is None and not self.flags


def review(c: ComplaintFacts, ctx: ReviewContext) -> ReviewDecision:
    for reason, check in SCOPE_RULES:
        if not check(c, ctx):
            return ReviewDecision(rejection=reason, flags=())
    flags = tuple(name for name, check in FLAG_RULES if check(c, ctx))
    return ReviewDecision(rejection=None, flags=flags)
