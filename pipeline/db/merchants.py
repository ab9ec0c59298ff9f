"""Merchants' statements (tables `merchant_stats`, `merchant_penalties`,
`merchant_supervision`, `merchant_events`): scorecard counters, penalty points, supervision
started, lifted by staff or by time, each change a merchant event."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from psycopg import Connection

from pipeline.db.gateway import Db, Row, every, one, run


def supervised(conn: Connection[Any], merchant_ids: list[str]) -> frozenset[str]:
    """Which of these merchants are under supervision."""
    rows = every(conn, "supervised_merchants", {"merchant_ids": merchant_ids})
    return frozenset(r["merchant_id"] for r in rows)


def bump_stats(db: Db, counts: Mapping[str, Mapping[str, int]], counters: tuple[str, ...]) -> None:
    """Add to merchants' scorecard counters, one row per merchant, in merchant order (two
    transactions take the rows' locks in the same order, so they do not deadlock)."""
    merchants = sorted(counts)
    params = {
        "merchant_ids": merchants,
        **{c: [counts[m][c] for m in merchants] for c in counters},
    }
    run(db, "bump_merchant_stats", params)


def add_penalty(
    db: Db, merchant_id: str, complaint_id: str, reason: str, now: datetime, since: datetime
) -> int:
    """One penalty point; answers the merchant's points since `since`, this one included."""
    params = {
        "merchant_id": merchant_id,
        "complaint_id": complaint_id,
        "points": 1,
        "reason": reason,
        "now": now,
        "since": since,
    }
    row = one(db, "add_penalty", params)
    assert row is not None
    return int(row["total"])


def start_supervision(
    db: Db,
    merchant_id: str,
    complaint_id: str,
    now: datetime,
    until: datetime,
    points: int,
    effects: list[str],
) -> None:
    """Supervision with its merchant event, unless one is in force already."""
    params = {
        "merchant_id": merchant_id,
        "complaint_id": complaint_id,
        "now": now,
        "until": until,
        "points": points,
        "effects": effects,
    }
    run(db, "start_supervision", params)


def lift_supervision(
    db: Db, merchant_id: str, now: datetime, by: str, role: str, how: str, text: str | None
) -> bool:
    """Lift the supervision in force, with its event; False when there is none."""
    params = {
        "merchant_id": merchant_id,
        "now": now,
        "by": by,
        "role": role,
        "how": how,
        "text": text,
    }
    return one(db, "lift_supervision", params) is not None


def lift_expired(conn: Connection[Any], now: datetime, limit: int) -> None:
    """Supervision whose time is up, lifted by time, each with its merchant event."""
    run(conn, "lift_expired_supervision", {"now": now, "limit": limit})


def supervision_of(conn: Connection[Any], merchant_id: str) -> Row | None:
    """The merchant's latest supervision (in force when lifted_at is None)."""
    return one(conn, "supervision_of", {"merchant_id": merchant_id})


def penalty_points_since(conn: Connection[Any], merchant_id: str, since: datetime) -> int:
    row = one(conn, "penalty_points_since", {"merchant_id": merchant_id, "since": since})
    return int(row["points"]) if row else 0


def events_of(conn: Connection[Any], merchant_id: str) -> list[Row]:
    return every(conn, "merchant_events_of", {"merchant_id": merchant_id})


def scorecard(
    conn: Connection[Any],
    since: datetime,
    top: int,
    window: timedelta,
    merchant_id: str | None = None,
) -> list[Row]:
    """Merchants by complaints received since `since` (or only `merchant_id`)."""
    params = {"since": since, "top": top, "window": window, "merchant_id": merchant_id}
    return every(conn, "merchant_scorecard", params)


def standing(conn: Connection[Any], merchant_id: str) -> Row | None:
    """The merchant's running counters (sla_breaches, penalty_points)."""
    return one(conn, "merchant_standing", {"merchant_id": merchant_id})


def supervised_list(
    conn: Connection[Any],
    merchant_id: str | None,
    after: int | None,
    window: timedelta,
    limit: int,
) -> list[Row]:
    """Supervision in force, newest first after the id `after`, with why it started (one
    merchant's, when `merchant_id` is given)."""
    params = {"merchant_id": merchant_id, "after": after, "window": window, "limit": limit}
    return every(conn, "supervised_list", params)
