"""Work lists (DESIGN §7): complaints filtered, narrowed to what the caller may see, in the
order of their running clock's due time (none last), then id, a page at a time after an
opaque keyset cursor, so rows inserted meanwhile never shift or repeat a page."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

import psycopg

from pipeline.db import complaints
from pipeline.domain.status import Category, Role, Stage, Status


@dataclass(frozen=True)
class Filters:
    status: Status | None = None
    stage: Stage | None = None
    category: Category | None = None
    merchant_id: str | None = None
    buyer_id: str | None = None
    waiting_on: Role | None = None
    due_before: datetime | None = None
    escalation_level: int | None = None
    q: str | None = None
    case_id: str | None = None
    #: Queues only: leave out complaints someone other than this holder claimed (live lease).
    free_for: str | None = None


#: A party token sees the complaints it is a party to: role -> the filter it pins.
OWN_FILTER = {"buyer": "buyer_id", "merchant": "merchant_id"}


def visible(filters: Filters, role: str | None, party_id: str | None) -> Filters | None:
    """The filters narrowed to the caller's own complaints (staff and API clients with
    `read` see all); None when they name another party's, which lists nothing."""
    pinned = OWN_FILTER.get(role or "")
    if pinned is None:
        return filters
    named = getattr(filters, pinned)
    if named is not None and named != party_id:
        return None
    if pinned == "buyer_id":
        return replace(filters, buyer_id=party_id)
    return replace(filters, merchant_id=party_id)


def sees(role: str | None, party_id: str | None, buyer_id: str, merchant_id: str) -> bool:
    """Whether the caller may see a complaint of this buyer and merchant."""
    pinned = OWN_FILTER.get(role or "")
    if pinned is None:
        return True
    return party_id == (buyer_id if pinned == "buyer_id" else merchant_id)


class BadCursor(ValueError):
    pass


def encode_cursor(due_at: datetime | None, complaint_id: str) -> str:
    raw = json.dumps([due_at.isoformat() if due_at else None, complaint_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime | None, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        due, cid = json.loads(raw)
        return (datetime.fromisoformat(due) if due is not None else None, str(uuid.UUID(cid)))
    except (ValueError, TypeError, binascii.Error):
        raise BadCursor("not a cursor this list gave out") from None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def item(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A compact list entry: what a work list shows per complaint."""
    due: datetime | None = row["due_at"]
    held = row["claimed_by"] is not None and row["claim_expires_at"] > now
    return {
        "id": str(row["id"]),
        "status": row["status"],
        "stage": row["stage"],
        "category": row["category"],
        "title": row["title"],
        "buyer_id": row["buyer_id"],
        "merchant_id": row["merchant_id"],
        "waiting_on": row["waiting_on"],
        "due_at": due.isoformat() if due else None,
        "remaining_seconds": int((due - now).total_seconds()) if due else None,
        "escalation_level": row["escalation_level"],
        "holder": row["claimed_by"] if held else None,
        "lease_expires_at": row["claim_expires_at"].isoformat() if held else None,
        "updated_at": row["updated_at"].isoformat(),
    }


def query_params(
    filters: Filters,
    after_due: datetime | None,
    after_id: str | None,
    limit: int,
    now: datetime,
) -> dict[str, Any]:
    """The `work_list` query's parameters for a page of `limit` (one more is read to tell
    whether another page follows)."""
    params = {
        **asdict(filters),
        "q": _like(filters.q) if filters.q else None,
        "free_at": now if filters.free_for is not None else None,
        "holder": filters.free_for,
        "after_due": after_due,
        "after_id": after_id,
        "limit": limit + 1,
    }
    params.pop("free_for")
    return params


def page(
    conn: psycopg.Connection[Any],
    filters: Filters | None,
    cursor: str | None,
    limit: int,
    now: datetime,
) -> dict[str, Any]:
    """Up to `limit` items after `cursor`, and the cursor of the next page (None at the end).
    Raises BadCursor."""
    after_due, after_id = decode_cursor(cursor) if cursor else (None, None)
    if filters is None:
        return {"items": [], "next_cursor": None}
    params = query_params(filters, after_due, after_id, limit, now)
    rows = complaints.work_list(conn, params)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more else None
    return {
        "items": [item(r, now) for r in rows],
        "next_cursor": encode_cursor(last["due_at"], str(last["id"])) if last else None,
    }
