"""Route by category, then forward to the merchant and start the merchant's clock,
counting the complaint towards a case (pipeline.handlers.cases)."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.db.store import Complaint, Store
from pipeline.domain.routing import route_queue
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
    """Forward the group's complaints, counting them towards cases in the same transaction
    (pipeline.handlers.cases): a complaint's case is written by its dispatch update."""
    store.lock_many([item.complaint_id for item in items])
    found = [expect(store, i.complaint_id, Status.IN_REVIEW, Stage.DISPATCH) for i in items]
    seen: set[str] = set()
    for n, c in enumerate(found):
        if isinstance(c, Complaint):
            if c.id in seen:  # a message delivered twice into one group
                found[n] = Skipped(c.id, "twice in the group")
            seen.add(c.id)
    counted = cases.count(store, [c for c in found if isinstance(c, Complaint)])
    return [
        c if isinstance(c, Skipped) else _dispatch(store, c, item, counted)
        for c, item in zip(found, items, strict=True)
    ]


def _dispatch(store: Store, c: Complaint, item: Item, counted: cases.Counted) -> Complaint:
    store.bump_merchant(c.merchant_id, received=1)
    after = store.advance(
        c,
        Event.DISPATCHED,
        to=Stage.PARTIES,
        message_id=item.message_id,
        data={"merchant_id": c.merchant_id},
        case_id=counted.joined.get(c.id),
    )
    opened = counted.opened.get(c.id)
    return after if opened is None else cases.tell_opened(store, after, *opened)
