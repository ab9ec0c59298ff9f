"""Platform check of a merchant's remedy (审核和监督), as data per category."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline.domain.status import Category


@dataclass(frozen=True)
class RemedyFacts:
    category: Category
    order_amount_cents: int
    type: str
    amount_cents: int | None
    compensation_cents: int | None
    visual_evidence: bool  # an ok photo or video backs the complaint


def _full_refund(f: RemedyFacts) -> bool:
    return f.type == "refund" and f.amount_cents == f.order_amount_cents


def _quality(f: RemedyFacts) -> bool:
    return not f.visual_evidence or f.type in ("return_and_refund", "exchange") or _full_refund(f)


def _counterfeit(f: RemedyFacts) -> bool:
    return _full_refund(f) and (f.compensation_cents or 0) > 0


Rule = tuple[str, Callable[[RemedyFacts], bool]]

RULES: dict[Category, tuple[Rule, ...]] = {
    Category.PRODUCT_QUALITY: (("quality_defect_full_remedy", _quality),),
    Category.NOT_AS_DESCRIBED: (("quality_defect_full_remedy", _quality),),
    Category.COUNTERFEIT: (("counterfeit_refund_plus_compensation", _counterfeit),),
    Category.SERVICE: (),
    Category.LOGISTICS: (),
    Category.TRANSACTION: (),
    Category.OTHER: (),
}


def broken_rule(facts: RemedyFacts) -> str | None:
    """The first rule the remedy breaks, or None when it may go to the buyer."""
    for name, check in RULES[facts.category]:
        if not check(facts):
            return name
    return None
