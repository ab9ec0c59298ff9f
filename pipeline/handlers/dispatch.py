"""Route by category, then forward to the merchant and start the merchant's clock (and
count the complaint towards a case, pipeline.handlers.cases)."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.db.store import Complaint, Store
from pipeline.domain.routing import route_queue
from pipeline.domain.stages import Job
from pipeline.domain.status import Stage, Status
from pipeline.domain.transitions import Event
from pipeline.handlers import cases
from pipeline.handlers.common import Item, Skipped, expect


def handle_route(store: Store, items: Sequence[Item]) -> list[Complaint | Skipped]:
    store.lock_many([item.complaint_id for item in items])
    return [_route(store, item) for item in items]


def _route(store: Store, item: Item) -> Complaint | Skipped:
    c = expect(store, item.complaint_id, Status.IN_REVIEW, Stage.ROUTE)
    if isinstance(c, Skipped):
        return c
    queue = route_queue(c.category)
    return store.advance(
        c,
        Event.ROUTED,
        to=Stage.DISPATCH,
        route_queue=queue,
        message_id=item.message_id,
        data={"queue": queue},
    )


def handle_dispatch(store: Store, items: Sequence[Item]) -> list[Complaint | Skipped]:
    store.lock_many([item.complaint_id for item in items])
    return [_dispatch(store, item) for item in items]


def _dispatch(store: Store, item: Item) -> Complaint | Skipped:
    c = expect(store, item.complaint_id, Status.IN_REVIEW, Stage.DISPATCH)
    if isinstance(c, Skipped):
        return c
    store.bump_merchant(c.merchant_id, received=1)
    if cases.counts(c):
        store.enqueue(Job.CASE_COUNT, c)
    return store.advance(
        c,
        Event.DISPATCHED,
        to=Stage.PARTIES,
        message_id=item.message_id,
        data={"merchant_id": c.merchant_id},
    )
