"""Cases' statements (tables `cases`, `case_tallies`, `case_decisions`, and the complaints'
`case_id`): complaints about one merchant's product counted set-based per dispatch group,
a case opened past the threshold, a staff decision recorded once and sent to each member."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.types.json import Jsonb

from pipeline.db.gateway import Db, Row, every, one, run
from pipeline.db.json_rows import dumps

Key = tuple[str, str, str]  # merchant, product, category


def lock_tallies(db: Db, keys: list[Key]) -> list[Row]:
    """The keys' tallies (created when missing), locked until commit in key order: each
    with the arrivals it holds inside the window and its open case, if any. The tallies
    are the caller's to change and save (save_tallies)."""
    ordered = sorted(set(keys))
    params = {
        "merchant_ids": [k[0] for k in ordered],
        "product_keys": [k[1] for k in ordered],
        "categories": [k[2] for k in ordered],
    }
    return every(db, "lock_case_tallies", params)


def save_tallies(db: Db, tallies: list[Row]) -> None:
    params = {
        "merchant_ids": [t["merchant_id"] for t in tallies],
        "product_keys": [t["product_key"] for t in tallies],
        "categories": [t["category"] for t in tallies],
        "ids": [",".join(t["complaint_ids"]) for t in tallies],
        "ats": [",".join(at.isoformat() for at in t["arrived_at"]) for t in tallies],
        "case_ids": [t["case_id"] for t in tallies],
    }
    run(db, "save_case_tallies", params)


def open_case(db: Db, key: Key, now: datetime, opened_by: str) -> str:
    """A new case for the key, opened by the complaint whose arrival formed it."""
    merchant_id, product_key, category = key
    params = {
        "merchant_id": merchant_id,
        "product_key": product_key,
        "category": category,
        "now": now,
        "complaint_id": opened_by,
    }
    row = one(db, "open_case", params)
    assert row is not None
    return str(row["id"])


def link_earlier(db: Db, case_id: str, complaint_ids: list[str]) -> None:
    """A case that has just opened takes its earlier arrivals (complaints dispatched before
    it formed; a complaint of a case already stays in it)."""
    run(db, "link_case_members", {"case_id": case_id, "ids": complaint_ids})


def record_decision(
    db: Db,
    case_id: str,
    key: str,
    decision: tuple[dict[str, Any], str, str],
    now: datetime,
    total_cents: int,
    needs_approval_above_cents: int | None,
) -> int | None:
    """The decision's id; None when the key was used already (recorded_decision).
    `decision`: (outcome, rule, staff)."""
    outcome, rule, staff = decision
    params = {
        "case_id": case_id,
        "key": key,
        "outcome": Jsonb(outcome, dumps=dumps),
        "rule": rule,
        "decided_by": staff,
        "now": now,
        "total_cents": total_cents,
        "needs_approval_above_cents": needs_approval_above_cents,
    }
    row = one(db, "record_case_decision", params)
    return int(row["id"]) if row else None


def recorded_decision(db: Db, case_id: str, key: str) -> Row | None:
    """The decision recorded for this idempotency key, if any."""
    return one(db, "recorded_case_decision", {"case_id": case_id, "key": key})


def lock_decision(db: Db, case_id: str, decision_id: int) -> Row | None:
    """The case's decision, locked until commit (its approval)."""
    return one(db, "lock_case_decision", {"case_id": case_id, "id": decision_id})


def approve_decision(db: Db, decision_id: int, staff: str, now: datetime) -> None:
    run(db, "approve_case_decision", {"id": decision_id, "approved_by": staff, "now": now})


def decision(db: Db, decision_id: int) -> Row | None:
    return one(db, "case_decision", {"id": decision_id})


def members(db: Db, case_id: str) -> list[Row]:
    """The case's complaints (id, status, order_amount_cents, created_at), in the order they
    were filed."""
    return every(db, "case_complaints", {"case_id": case_id})


def close(db: Db, case_id: str, now: datetime) -> None:
    """The case decided: its tally starts again from nothing."""
    run(db, "close_case", {"case_id": case_id, "now": now})


def get(conn: Connection[Any], case_id: str) -> Row | None:
    return one(conn, "get_case", {"id": case_id})


def decisions_of(conn: Connection[Any], case_id: str) -> list[Row]:
    return every(conn, "case_decisions_of", {"case_id": case_id})


def listed(
    conn: Connection[Any],
    is_open: bool,
    after_at: datetime | None,
    after_id: str | None,
    limit: int,
) -> list[Row]:
    """Cases open (or decided), oldest first, each with its number of complaints, after
    the keyset (opened_at, id)."""
    params = {"open": is_open, "after_at": after_at, "after_id": after_id, "limit": limit}
    return every(conn, "list_cases", params)
