"""Platform check of a merchant's remedy (审核和监督), as data per category.

A rule either refuses an offer (it goes to arbitration citing the rule) or lets it go to the
buyer only for an explicit answer: the buyer may accept it, but silence does not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from pipeline.domain.status import Category
from schemas.categories import CATEGORIES


@dataclass(frozen=True)
class RemedyFacts:
    category: Category
    order_amount_cents: int
    type: str
    amount_cents: int | None
    compensation_cents: int | None
    visual_evidence: bool  # an ok photo or video backs the complaint


class Effect(StrEnum):
    REFUSE = "refuse"  # to arbitration at once
    EXPLICIT = "explicit"  # to the buyer, whose silence sends it to arbitration


@dataclass(frozen=True)
class Rule:
    name: str
    holds: Callable[[RemedyFacts], bool]
    effect: Effect


def _full_refund(f: RemedyFacts) -> bool:
    return f.type == "refund" and f.amount_cents == f.order_amount_cents


def _quality_type(f: RemedyFacts) -> bool:
    """A defect shown on photo or video is remedied by goods or money, not repair alone."""
    return not f.visual_evidence or f.type in ("return_and_refund", "exchange", "refund")


def _quality_amount(f: RemedyFacts) -> bool:
    return not f.visual_evidence or f.type != "refund" or _full_refund(f)


def _counterfeit(f: RemedyFacts) -> bool:
    return _full_refund(f) and (f.compensation_cents or 0) > 0


#: Every check by name; a category's row lists the ones its offers must pass, in order.
NAMED: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("quality_defect_full_remedy", _quality_type, Effect.REFUSE),
        Rule("quality_partial_refund_needs_buyer", _quality_amount, Effect.EXPLICIT),
        Rule("counterfeit_refund_plus_compensation", _counterfeit, Effect.REFUSE),
    )
}


def _rules(names: tuple[str, ...], category: str) -> tuple[Rule, ...]:
    if unknown := [n for n in names if n not in NAMED]:
        raise ValueError(f"category {category}: unknown remedy rules {unknown}; known: {[*NAMED]}")
    return tuple(NAMED[n] for n in names)


RULES: dict[Category, tuple[Rule, ...]] = {
    Category(row.name): _rules(row.remedy_rules, row.name) for row in CATEGORIES
}


def judge(facts: RemedyFacts) -> Rule | None:
    """The first rule the remedy breaks, or None when the buyer's silence may accept it."""
    for rule in RULES[facts.category]:
        if not rule.holds(facts):
            return rule
    return None


def broken_rule(facts: RemedyFacts) -> str | None:
    """The rule that refuses the remedy outright, or None when it may go to the buyer."""
    rule = judge(facts)
    return rule.name if rule is not None and rule.effect is Effect.REFUSE else None
