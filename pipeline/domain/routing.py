"""Routing by category: each category has its own queue so it can get its own worker pool.

Redis has no broker-side priority, so urgency is expressed as separate queues: counterfeit
has a queue of its own, listed first, so operators can give it a dedicated worker pool.
"""

from __future__ import annotations

from pipeline.domain.stages import stage_queues
from pipeline.domain.status import Category

ROUTES: dict[Category, tuple[str, int]] = {
    # category: (queue, urgency — lower is more urgent)
    Category.COUNTERFEIT: ("handle.counterfeit", 0),
    Category.PRODUCT_QUALITY: ("handle.product_quality", 1),
    Category.NOT_AS_DESCRIBED: ("handle.not_as_described", 1),
    Category.TRANSACTION: ("handle.transaction", 1),
    Category.SERVICE: ("handle.service", 2),
    Category.LOGISTICS: ("handle.logistics", 2),
    Category.OTHER: ("handle.other", 3),
}

STAGE_QUEUES = stage_queues()  # from the stage table (pipeline.domain.stages)


def route_queue(category: Category) -> str:
    return ROUTES[category][0]


def urgency(category: Category) -> int:
    return ROUTES[category][1]


def all_queues() -> list[str]:
    """Every queue the pipeline uses, most urgent handling queues first."""
    handling = [q for q, _ in sorted(ROUTES.values(), key=lambda r: r[1])]
    return [*STAGE_QUEUES, *handling]
