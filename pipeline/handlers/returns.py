"""Returns (退货): a remedy of return_and_refund or exchange is carried out once the goods
are back. The buyer ships them (carrier, tracking number) on its clock; the merchant
confirms receipt or disputes it (with evidence) on its own. A buyer who never ships closes
the complaint for the merchant; a merchant who never confirms is taken to have received."""

from __future__ import annotations

from typing import Any

from pipeline.db.store import Complaint, Store
from pipeline.domain.actions import RETURNED_REMEDIES
from pipeline.domain.status import Status
from pipeline.domain.transitions import Event
from pipeline.handlers.common import ActionContext, actor_fields
from pipeline.handlers.party_evidence import merchant_evidence
from schemas.action import ActionV1


def remedy_type(outcome: dict[str, Any]) -> str | None:
    """The decided remedy: an agreement's offer, or what a platform decision names."""
    remedy = outcome.get("remedy")
    if isinstance(remedy, dict):
        return remedy.get("type")
    kind = outcome.get("remedy_type")
    return str(kind) if kind else None


def require_return(store: Store, c: Complaint) -> Complaint:
    """Right after a remedy is decided: the goods come back first when the remedy says so."""
    kind = remedy_type(c.outcome or {})
    if c.status is not Status.REMEDY_IN_PROGRESS or kind not in RETURNED_REMEDIES:
        return c
    return store.apply(c, Event.RETURN_REQUIRED, data={"remedy_type": kind})


def ship(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    assert a.shipment is not None
    data = {**a.shipment.model_dump(), "text": a.text} if a.text else a.shipment.model_dump()
    return store.apply(c, Event.RETURN_SHIPPED, data=data, **actor_fields(a, ctx))


def dispute_receipt(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    verdicts = merchant_evidence(store, c, a, ctx)
    return store.apply(
        c,
        Event.RECEIPT_DISPUTED,
        data={"text": a.text, "verdicts": verdicts},
        **actor_fields(a, ctx),
    )


def not_shipped(store: Store, c: Complaint, data: dict[str, Any], mid: str | None) -> Complaint:
    return store.apply(
        c,
        Event.SLA_RETURN_NOT_SHIPPED,
        data={**data, "reason": "return_not_shipped", "closed_for": "merchant"},
        message_id=mid,
    )


def receipt_assumed(store: Store, c: Complaint, data: dict[str, Any], mid: str | None) -> Complaint:
    store.bump_merchant(c.merchant_id, breaches=1)
    return store.apply(c, Event.SLA_RECEIPT_ASSUMED, data=data, message_id=mid)
