"""Routing by category: each category has its own queue so it can get its own worker pool.

Redis has no broker-side priority, so urgency is expressed as separate queues, listed most
urgent first (counterfeit has a queue and a worker group of its own). Queues and urgency are
columns of the category table (schemas/categories.py)."""

from __future__ import annotations

from pipeline.domain.status import Category
from schemas.categories import CATEGORIES

ROUTES: dict[Category, tuple[str, int]] = {
    # category: (queue, urgency — lower is more urgent)
    Category(row.name): (row.queue, row.urgency)
    for row in sorted(CATEGORIES, key=lambda row: row.urgency)
}

STAGE_QUEUES = ("intake", "actions", "sla", "review", "evidence", "route", "notify")


def route_queue(category: Category) -> str:
    return ROUTES[category][0]


def urgency(category: Category) -> int:
    return ROUTES[category][1]


def all_queues() -> list[str]:
    """Every queue the pipeline uses, most urgent handling queues first."""
    handling = [q for q, _ in sorted(ROUTES.values(), key=lambda r: r[1])]
    return [*STAGE_QUEUES, *handling]
