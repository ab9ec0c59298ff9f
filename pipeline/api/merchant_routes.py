"""A merchant's standing (governance, docs/contracts.md §1): supervision in force, its
penalty points within the window, every change as an event; staff lift supervision."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from pipeline.api.auth import any_scope, ensure_scope, require
from pipeline.api.caller import Caller
from pipeline.api.errors import documented
from pipeline.api.visibility import ensure_grant
from pipeline.db import merchants
from pipeline.db.pool import read
from pipeline.db.store import unit_of_work
from pipeline.domain.errors import ActionRefused, NotFound
from pipeline.domain.governance import SUPERVISION
from pipeline.domain.text import text
from schemas.complaint import NO_NUL, Id

router = APIRouter()


class LiftIn(BaseModel):
    text: Annotated[str, Field(min_length=2, max_length=2000), NO_NUL] | None = None


def _iso(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}


def standing(conn: Any, merchant_id: str, now: datetime) -> dict[str, Any]:
    latest = merchants.supervision_of(conn, merchant_id)
    points = merchants.penalty_points_since(conn, merchant_id, now - SUPERVISION.window)
    events = merchants.events_of(conn, merchant_id)
    return {
        "merchant_id": merchant_id,
        "supervised": latest is not None and latest["lifted_at"] is None,
        "supervision": _iso(latest) if latest else None,
        "penalty_points_in_window": points,
        "threshold": SUPERVISION.points,
        "events": [_iso(e) for e in events],
    }


@router.get("/v1/merchants/{merchant_id}/supervision", responses=documented(401, 403, 404, 422))
def get_standing(
    merchant_id: Id, request: Request, caller: Annotated[Caller, Depends(require("read"))]
) -> dict[str, Any]:
    """Whether the merchant is under supervision, since and until when, with which effects;
    the merchant itself or staff."""
    if caller.is_party and (caller.role, caller.party_id) != ("merchant", merchant_id):
        raise NotFound(text("no merchant {id}", id=merchant_id))
    return read(request.app.state.pool, lambda conn: standing(conn, merchant_id, _now()))


@router.post(
    "/v1/merchants/{merchant_id}/supervision/lift",
    responses=documented(400, 401, 403, 409, 413, 415, 422),
)
def lift(
    merchant_id: Id,
    body: LiftIn,
    request: Request,
    caller: Annotated[Caller, Depends(any_scope)],
) -> dict[str, Any]:
    """Staff (grant `supervise`) lift a merchant's supervision before its time."""
    ensure_scope(caller, "act:platform")
    ensure_grant(caller, "platform.lift_supervision")
    staff = caller.party_id or caller.name
    with unit_of_work(request.app.state.pool, policy=request.app.state.policy) as store:
        lifted = merchants.lift_supervision(
            store,
            merchant_id,
            store.clock(),
            by=staff,
            role="platform",
            how="staff",
            text=body.text,
        )
    if not lifted:
        raise ActionRefused(
            "not_supervised", text("merchant {id} is not under supervision", id=merchant_id)
        )
    return read(request.app.state.pool, lambda conn: standing(conn, merchant_id, _now()))


def _now() -> datetime:
    return datetime.now(UTC)
