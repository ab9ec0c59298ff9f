"""Evidence items' statements (table `evidence_items`): a complaint's items by position,
added by the parties, their verdicts set by the evidence check."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pipeline.db.gateway import Db, Row, every, one, run


def of(db: Db, complaint_id: str) -> list[Row]:
    """The complaint's items, by position."""
    return every(db, "evidence_of", {"complaint_id": complaint_id})


def item(db: Db, complaint_id: str, position: int) -> Row | None:
    return one(db, "evidence_item", {"complaint_id": complaint_id, "position": position})


def next_position(db: Db, complaint_id: str) -> int:
    row = one(db, "next_evidence_position", {"complaint_id": complaint_id})
    return int(row["position"]) if row else 0


def add(db: Db, row: Mapping[str, Any]) -> None:
    """An unchecked item: complaint_id, position, role, submitter_id, key, kind,
    content_type, size, sha256."""
    run(db, "insert_evidence", row)


def add_checked(
    db: Db, row: Mapping[str, Any], verdict: str, detail: str | None, now: datetime
) -> None:
    """An item checked before the transaction, with its verdict."""
    run(db, "insert_evidence_checked", {**row, "verdict": verdict, "detail": detail, "now": now})


def set_verdicts(db: Db, verdicts: Mapping[int, tuple[str, str | None]], now: datetime) -> None:
    """Items' (verdict, detail) by item id, in one statement."""
    params = {
        "ids": list(verdicts),
        "verdicts": [v for v, _ in verdicts.values()],
        "details": [d for _, d in verdicts.values()],
        "now": now,
    }
    run(db, "set_verdicts", params)
