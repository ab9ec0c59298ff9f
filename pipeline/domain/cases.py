"""Cases (批量投诉): complaints against one merchant about one product (its SKU, or the item
when there is none) in one category, arriving within a window past a threshold, are linked
to one platform case. Thresholds and windows are data, per category."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeline.domain.status import Category


@dataclass(frozen=True)
class CaseRule:
    threshold: int  # complaints within the window that open a case
    window: timedelta


CASE_RULES: dict[Category, CaseRule] = {
    Category.PRODUCT_QUALITY: CaseRule(5, timedelta(days=7)),
    Category.NOT_AS_DESCRIBED: CaseRule(5, timedelta(days=7)),
    Category.COUNTERFEIT: CaseRule(3, timedelta(days=30)),
    Category.SERVICE: CaseRule(10, timedelta(days=7)),
    Category.LOGISTICS: CaseRule(10, timedelta(days=3)),
    Category.TRANSACTION: CaseRule(5, timedelta(days=7)),
}


def product_key(sku: str | None, item_id: str | None) -> str | None:
    if sku:
        return f"sku:{sku}"
    return f"item:{item_id}" if item_id else None


def within(
    ids: list[str], arrived: list[datetime], now: datetime, window: timedelta
) -> tuple[list[str], list[datetime]]:
    """The arrivals still inside the window ending now (a sliding window)."""
    kept = [(i, at) for i, at in zip(ids, arrived, strict=True) if at >= now - window]
    return [i for i, _ in kept], [at for _, at in kept]
