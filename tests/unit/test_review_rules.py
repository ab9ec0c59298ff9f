from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.domain.review_rules import ComplaintFacts, ReviewContext, review
from pipeline.domain.status import Category, RejectionReason

NOW = datetime(2026, 11, 29, 10, tzinfo=UTC)
BASE = ComplaintFacts(
    category=Category.PRODUCT_QUALITY,
    buyer_id="b1",
    merchant_id="m1",
    order_amount_cents=10_000,
    claimed_amount_cents=10_000,
    paid_at=NOW - timedelta(days=6),
    delivered_at=NOW - timedelta(days=4),
    submitted_at=NOW,
    evidence_hashes=frozenset({"h1"}),
)
CTX = ReviewContext()


def test_in_scope_complaint_passes() -> None:
    decision = review(BASE, CTX)
    assert decision.passed and decision.rejection is None


@pytest.mark.parametrize(
    ("facts", "ctx", "reason"),
    [
        (replace(BASE, merchant_id="b1"), CTX, RejectionReason.SAME_PARTY),
        (replace(BASE, paid_at=None, delivered_at=None), CTX, RejectionReason.NOT_PAID),
        (replace(BASE, delivered_at=NOW - timedelta(days=16)), CTX, RejectionReason.WINDOW_EXPIRED),
        (replace(BASE, claimed_amount_cents=10_001), CTX, RejectionReason.AMOUNT_EXCEEDS_ORDER),
        (BASE, ReviewContext(open_duplicate_id="x"), RejectionReason.DUPLICATE),
        (
            BASE,
            ReviewContext(decided_evidence_hashes=frozenset({"h1"})),
            RejectionReason.ALREADY_DECIDED,
        ),
    ],
)
def test_out_of_scope_is_rejected_with_its_reason(
    facts: ComplaintFacts, ctx: ReviewContext, reason: RejectionReason
) -> None:
    assert review(facts, ctx).rejection is reason


def test_new_evidence_reopens_a_decided_complaint() -> None:
    ctx = ReviewContext(decided_evidence_hashes=frozenset({"old"}))
    assert review(BASE, ctx).rejection is None


@pytest.mark.parametrize(
    ("category", "days_after_delivery", "days_after_payment", "in_window"),
    [
        (Category.PRODUCT_QUALITY, 15, 17, True),
        (Category.PRODUCT_QUALITY, 16, 18, False),
        (Category.COUNTERFEIT, 89, 91, True),
        (Category.COUNTERFEIT, 91, 93, False),
        (Category.SERVICE, 1, 30, True),
        (Category.SERVICE, 1, 31, False),
        (Category.LOGISTICS, 25, 31, False),
    ],
)
def test_complaint_windows_per_category(
    category: Category, days_after_delivery: int, days_after_payment: int, in_window: bool
) -> None:
    facts = replace(
        BASE,
        category=category,
        delivered_at=NOW - timedelta(days=days_after_delivery),
        paid_at=NOW - timedelta(days=days_after_payment),
    )
    rejected = review(facts, CTX).rejection is RejectionReason.WINDOW_EXPIRED
    assert rejected is not in_window


def test_never_delivered_window_runs_from_payment() -> None:
    facts = replace(
        BASE, category=Category.OTHER, delivered_at=None, paid_at=NOW - timedelta(days=14)
    )
    assert review(facts, CTX).rejection is None
    facts = replace(facts, paid_at=NOW - timedelta(days=16))
    assert review(facts, CTX).rejection is RejectionReason.WINDOW_EXPIRED


def test_flags_send_to_manual_investigation() -> None:
    assert review(replace(BASE, category=Category.COUNTERFEIT), CTX).flags == ("counterfeit_claim",)
    big = replace(BASE, order_amount_cents=900_000, claimed_amount_cents=600_000)
    assert review(big, CTX).flags == ("amount_above_threshold",)
    assert review(BASE, ReviewContext(recent_complaints_by_buyer=5)).flags == (
        "frequent_complainant",
    )
    assert review(BASE, ReviewContext(recent_complaints_by_buyer=4)).passed
