"""Actions that bring evidence: the buyer supplying what was missing, and the merchant's
disputes (of the complaint, or of a returned parcel's receipt), whose items were checked
against object storage before the transaction."""

from __future__ import annotations

from typing import Any

from pipeline.db import evidence_items
from pipeline.db.store import Complaint, Store
from pipeline.domain.status import Role, Stage
from pipeline.domain.transitions import Event
from pipeline.handlers.common import ActionContext, actor_fields
from schemas.action import ActionV1
from schemas.complaint import EvidenceItem


def merchant_evidence(
    store: Store, c: Complaint, a: ActionV1, ctx: ActionContext
) -> dict[str, str]:
    """Keep the merchant's checked items; their verdicts by position."""
    items = a.evidence or []
    checks = ctx.checked or []
    if len(checks) != len(items):
        raise ValueError("dispute evidence must be checked against storage before handling")
    base = _next_position(store, c.id)
    now = store.clock()
    for offset, (item, check) in enumerate(zip(items, checks, strict=True)):
        row = _evidence_row(c, a, item, base + offset, Role.MERCHANT)
        evidence_items.add_checked(store, row, check.verdict, check.detail or None, now)
        store.effects.append(("verdict", (check.verdict.value,)))
    return {str(base + i): ch.verdict.value for i, ch in enumerate(checks)}


def dispute(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    verdicts = merchant_evidence(store, c, a, ctx)
    after = store.apply(
        c,
        Event.MERCHANT_DISPUTE,
        data={"text": a.text, "verdicts": verdicts},
        **actor_fields(a, ctx),
    )
    store.bump_merchant(c.merchant_id, disputed=1)
    return after


def supply(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    base = _next_position(store, c.id)
    for offset, item in enumerate(a.evidence or []):
        evidence_items.add(store, _evidence_row(c, a, item, base + offset, Role.BUYER))
    return store.advance(
        c,
        Event.SUPPLY_EVIDENCE,
        to=Stage.EVIDENCE,
        data={"items": len(a.evidence or [])},
        **actor_fields(a, ctx),
    )


def _next_position(store: Store, complaint_id: str) -> int:
    return evidence_items.next_position(store, complaint_id)


def _evidence_row(
    c: Complaint, a: ActionV1, item: EvidenceItem, position: int, role: Role
) -> dict[str, Any]:
    return evidence_items.row(c.id, position, role, a.actor.id, item)
