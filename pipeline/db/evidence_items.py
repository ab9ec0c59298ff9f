"""Evidence items' statements (table `evidence_items`): a complaint's items by position,
added by the parties, their verdicts set by the evidence check."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pipeline.db.gateway import Db, Row, every, one, run
from pipeline.domain.status import Role
from schemas.complaint import EvidenceItem


def row(
    complaint_id: str, position: int, role: Role, submitter_id: str, item: EvidenceItem
) -> dict[str, Any]:
    """An evidence item's row as the table spells it (intake, a party's evidence, and the
    check before a dispute all build it here)."""
    return {
        "complaint_id": complaint_id,
        "position": position,
        "submitted_by_role": role,
        "submitted_by_id": submitter_id,
        "key": item.key,
        "kind": item.kind,
        "content_type": item.content_type,
        "size": item.size,
        "sha256": item.sha256,
    }


def of(db: Db, complaint_id: str) -> list[Row]:
    """The complaint's items, by position."""
    return every(db, "evidence_of", {"complaint_id": complaint_id})


def item(db: Db, complaint_id: str, position: int) -> Row | None:
    return one(db, "evidence_item", {"complaint_id": complaint_id, "position": position})


def next_position(db: Db, complaint_id: str) -> int:
    row = one(db, "next_evidence_position", {"complaint_id": complaint_id})
    return int(row["position"]) if row else 0


def add(db: Db, row: Mapping[str, Any]) -> None:
    """An unchecked item (`row`)."""
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
