"""What platform staff look through beside the complaint queues (the console's cases and
supervision pages): cases (批量投诉) waiting for a decision, and merchants under
supervision with why and since when. What a caller may see is applied in SQL: buyers and
merchants see no cases; a merchant sees only its own supervision."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from pipeline.api.auth import require
from pipeline.api.caller import Caller
from pipeline.api.errors import documented
from pipeline.api.work_routes import Cursor, Limit
from pipeline.db import cases, merchants
from pipeline.db.pool import read
from pipeline.domain.governance import SUPERVISION
from pipeline.domain.text import text
from pipeline.worklist import BadCursor, decode_cursor, encode_cursor
from schemas.action import InvalidMessage

router = APIRouter()


class CaseItem(BaseModel):
    id: str
    merchant_id: str
    product_key: str
    category: str
    opened_at: str
    decided_at: str | None
    complaints: int = Field(description="complaints linked to the case")


class CasePage(BaseModel):
    items: list[CaseItem]
    next_cursor: str | None


class SupervisedItem(BaseModel):
    merchant_id: str
    supervision_id: int
    since: str
    until: str
    points: int = Field(description="penalty points within the window when it started")
    threshold: int
    reasons: dict[str, int] = Field(
        description="penalty points by reason within the window before it started"
    )
    complaint_id: str | None = Field(description="the complaint whose penalty started it")
    effects: list[str]


class SupervisedPage(BaseModel):
    items: list[SupervisedItem]
    next_cursor: str | None


def _bad_cursor(exc: Exception) -> InvalidMessage:
    return InvalidMessage([{"path": "cursor", "rule": "unknown_cursor", "message": str(exc)}])


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@router.get("/v1/cases", response_model=CasePage, responses=documented(401, 403, 422))
def list_cases(
    request: Request,
    caller: Annotated[Caller, Depends(require("read"))],
    state: Annotated[
        Literal["open", "decided"], Query(description="`open` (the default): not decided yet.")
    ] = "open",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> CasePage:
    """Cases, oldest first, with their number of complaints, for staff and API clients;
    keyset-paginated (pass `next_cursor` back as `cursor`). Buyers and merchants do not
    see cases (403)."""
    if caller.is_party:
        raise HTTPException(403, text("cases are for platform staff"))
    try:
        after_at, after_id = decode_cursor(cursor) if cursor else (None, None)
    except BadCursor as exc:
        raise _bad_cursor(exc) from None
    rows = read(
        request.app.state.pool,
        lambda conn: cases.listed(conn, state == "open", after_at, after_id, limit),
    )
    items = [
        CaseItem(
            **{**r, "opened_at": r["opened_at"].isoformat(), "decided_at": _iso(r["decided_at"])}
        )
        for r in rows
    ]
    last = rows[-1] if len(rows) == limit else None
    return CasePage(
        items=items, next_cursor=encode_cursor(last["opened_at"], last["id"]) if last else None
    )


def _after(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise _bad_cursor(ValueError("not a cursor this list gave out"))
    return int(cursor)


@router.get(
    "/v1/merchants/supervised", response_model=SupervisedPage, responses=documented(401, 403, 422)
)
def list_supervised(
    request: Request,
    caller: Annotated[Caller, Depends(require("read"))],
    cursor: Cursor = None,
    limit: Limit = 50,
) -> SupervisedPage:
    """Merchants under supervision now, most recently supervised first: since and until
    when, why (the points it started at, their reasons, the complaint that tipped it) and
    its effects. Staff and API clients see every one, a merchant only itself; buyers 403."""
    if caller.role == "buyer":
        raise HTTPException(403, text("buyers do not see merchants' supervision"))
    merchant_id = caller.party_id if caller.role == "merchant" else None
    after = _after(cursor)
    rows = read(
        request.app.state.pool,
        lambda conn: merchants.supervised_list(conn, merchant_id, after, SUPERVISION.window, limit),
    )
    items = [
        SupervisedItem(
            merchant_id=r["merchant_id"],
            supervision_id=r["id"],
            since=r["since"].isoformat(),
            until=r["until"].isoformat(),
            points=r["points"],
            threshold=SUPERVISION.points,
            reasons={k: int(v) for k, v in r["reasons"].items()},
            complaint_id=r["complaint_id"],
            effects=list(r["effects"]),
        )
        for r in rows
    ]
    last = rows[-1] if len(rows) == limit else None
    return SupervisedPage(items=items, next_cursor=str(last["id"]) if last else None)
