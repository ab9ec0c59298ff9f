"""Route by category, then forward to the merchant and start the merchant's clock (and
count the complaint towards a case, pipeline.handlers.cases)."""

from __future__ import annotations

from pipeline.db.store import Complaint, Store
from pipeline.domain.routing import route_queue
from pipeline.domain.status import Stage, Status
from pipeline.domain.transitions import Event
from pipeline.handlers import cases
from pipeline.handlers.review import Skipped, expect


def handle_route(
    store: Store, complaint_id: str, message_id: str | None = None
) -> Complaint | Skipped:
    c = expect(store, complaint_id, Status.IN_REVIEW, Stage.ROUTE)
    if isinstance(c, Skipped):
        return c
    queue = route_queue(c.category)
    routed = store.apply(
        c,
        Event.ROUTED,
        stage=Stage.DISPATCH,
        route_queue=queue,
        message_id=message_id,
        data={"queue": queue},
    )
    store.enqueue("dispatch", queue, complaint_id)
    return routed


def handle_dispatch(
    store: Store, complaint_id: str, message_id: str | None = None
) -> Complaint | Skipped:
    c = expect(store, complaint_id, Status.IN_REVIEW, Stage.DISPATCH)
    if isinstance(c, Skipped):
        return c
    store.bump_merchant(c.merchant_id, received=1)
    if cases.counts(c):
        store.enqueue("case_count", "actions", complaint_id)
    return store.apply(
        c,
        Event.DISPATCHED,
        stage=Stage.PARTIES,
        message_id=message_id,
        data={"merchant_id": c.merchant_id},
    )
