from __future__ import annotations

import pytest

from pipeline.domain.remedy_rules import Effect, RemedyFacts, broken_rule, judge
from pipeline.domain.status import Category

ORDER = 12900


def facts(category: Category, type_: str, amount: int | None = None, **kw: object) -> RemedyFacts:
    return RemedyFacts(
        category=category,
        order_amount_cents=ORDER,
        type=type_,
        amount_cents=amount,
        compensation_cents=kw.get("compensation"),  # type: ignore[arg-type]
        visual_evidence=bool(kw.get("visual", True)),
    )


@pytest.mark.parametrize("category", [Category.PRODUCT_QUALITY, Category.NOT_AS_DESCRIBED])
def test_a_partial_refund_for_a_shown_defect_goes_to_the_buyer_for_an_explicit_answer(
    category: Category,
) -> None:
    rule = judge(facts(category, "refund", 5000))
    assert rule is not None and rule.effect is Effect.EXPLICIT
    assert rule.name == "quality_partial_refund_needs_buyer"
    assert broken_rule(facts(category, "refund", 5000)) is None


@pytest.mark.parametrize(
    ("remedy", "amount", "expected"),
    [
        ("refund", ORDER, None),
        ("exchange", None, None),
        ("return_and_refund", None, None),
        ("repair", None, "quality_defect_full_remedy"),
        ("reship", None, "quality_defect_full_remedy"),
    ],
)
def test_quality_rules(remedy: str, amount: int | None, expected: str | None) -> None:
    assert broken_rule(facts(Category.PRODUCT_QUALITY, remedy, amount)) == expected


def test_without_visual_evidence_any_quality_offer_may_go_to_the_buyer() -> None:
    assert judge(facts(Category.PRODUCT_QUALITY, "repair", visual=False)) is None
    assert judge(facts(Category.PRODUCT_QUALITY, "refund", 1, visual=False)) is None


def test_counterfeit_needs_full_refund_plus_compensation() -> None:
    assert broken_rule(facts(Category.COUNTERFEIT, "refund", ORDER)) == (
        "counterfeit_refund_plus_compensation"
    )
    assert judge(facts(Category.COUNTERFEIT, "refund", ORDER, compensation=100)) is None
