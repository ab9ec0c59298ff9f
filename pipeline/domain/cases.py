"""Cases (批量投诉): complaints against one merchant about one product (its SKU, or the item
when there is none) in one category, arriving within a window past a threshold, are linked
to one platform case. Thresholds and windows are data, per category."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeline.domain.status import Category
from schemas.categories import CATEGORIES


@dataclass(frozen=True)
class CaseRule:
    threshold: int  # complaints within the window that open a case
    window: timedelta


#: By category (the category table); a category without a threshold opens no cases.
CASE_RULES: dict[Category, CaseRule] = {
    Category(row.name): CaseRule(row.case_threshold, timedelta(days=row.case_window_days))
    for row in CATEGORIES
    if row.case_threshold is not None
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
