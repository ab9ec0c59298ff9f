"""Cases' statements (tables `cases`, `case_tallies`, `case_members`, `case_decisions`):
complaints about one merchant's product counted set-based per group, a case opened past
the threshold, a staff decision recorded once and sent to each member."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.types.json import Jsonb

from pipeline.db.gateway import Db, Row, every, one, run
from pipeline.db.json_rows import dumps

Key = tuple[str, str, str]  # merchant, product, category


def inputs(db: Db, complaint_ids: list[str]) -> dict[str, Row]:
    """What the case count reads about each complaint (and whether it counted already)."""
    return {r["id"]: r for r in every(db, "case_inputs", {"ids": complaint_ids})}


def lock_tallies(db: Db, keys: list[Key]) -> dict[Key, Row]:
    """The tallies of these keys, created when missing, locked in key order until commit
    (`keys` sorted). The rows are the caller's to change and save (save_tallies)."""
    params = {
        "merchant_ids": [k[0] for k in keys],
        "product_keys": [k[1] for k in keys],
        "categories": [k[2] for k in keys],
    }
    rows = every(db, "lock_case_tallies", params)
    return {(t["merchant_id"], t["product_key"], t["category"]): t for t in rows}


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


def link_members(db: Db, links: list[tuple[str, str]], now: datetime) -> None:
    """(case, complaint) links, in one statement (a complaint already linked stays)."""
    params = {"case_ids": [c for c, _ in links], "ids": [m for _, m in links], "now": now}
    run(db, "link_case_members", params)


def record_decision(
    db: Db, case_id: str, key: str, outcome: dict[str, Any], rule: str, staff: str, now: datetime
) -> int | None:
    """The decision's id; None when the key was used already (recorded_decision)."""
    params = {
        "case_id": case_id,
        "key": key,
        "outcome": Jsonb(outcome, dumps=dumps),
        "rule": rule,
        "decided_by": staff,
        "now": now,
    }
    row = one(db, "record_case_decision", params)
    return int(row["id"]) if row else None


def recorded_decision(db: Db, case_id: str, key: str) -> int | None:
    row = one(db, "recorded_case_decision", {"case_id": case_id, "key": key})
    return int(row["id"]) if row else None


def decision(db: Db, decision_id: int) -> Row | None:
    return one(db, "case_decision", {"id": decision_id})


def members(db: Db, case_id: str) -> list[Row]:
    """The case's complaints (id, status, linked_at), in the order they joined."""
    return every(db, "case_complaints", {"case_id": case_id})


def close(db: Db, case_id: str, now: datetime) -> None:
    """The case decided: its tally starts again from nothing."""
    run(db, "close_case", {"case_id": case_id, "now": now})


def get(conn: Connection[Any], case_id: str) -> Row | None:
    return one(conn, "get_case", {"id": case_id})


def decisions_of(conn: Connection[Any], case_id: str) -> list[Row]:
    return every(conn, "case_decisions_of", {"case_id": case_id})


def case_of(conn: Connection[Any], complaint_id: str) -> str | None:
    """The case the complaint belongs to, if any."""
    row = one(conn, "case_of", {"complaint_id": complaint_id})
    return str(row["case_id"]) if row else None


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
