"""The outbox's and notifications' statements: a unit of work's messages written with its
commit, claimed and deleted by the relay; notifications delivered by the notify stage;
the re-drive's stuck complaints and notifications."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from psycopg import Connection
from psycopg.types.json import Jsonb

from pipeline.db.gateway import Db, Row, every, run
from pipeline.db.json_rows import dumps

Message = tuple[str, str, str, dict[str, Any]]  # queue, actor, complaint id, payload


def insert(db: Db, messages: Sequence[Message]) -> None:
    """The messages, in this order, in one statement."""
    params = {
        "queue_names": [m[0] for m in messages],
        "actor_names": [m[1] for m in messages],
        "complaint_ids": [m[2] for m in messages],
        "payloads": [Jsonb(m[3], dumps=dumps) for m in messages],
    }
    run(db, "insert_outbox", params)


def claim(conn: Connection[Any], limit: int) -> list[Row]:
    """Up to `limit` rows in id order, locked (other relays skip them) until commit."""
    return every(conn, "claim_outbox", {"limit": limit})


def delete_published(conn: Connection[Any], ids: list[int]) -> None:
    run(conn, "delete_published_outbox", {"ids": ids})


def pending_notifications(db: Db, events: Sequence[tuple[str, int]]) -> list[Row]:
    """The undelivered notifications of these (complaint id, event seq) events, locked
    (another delivery of the same events skips them)."""
    params = {
        "complaint_ids": [complaint_id for complaint_id, _ in events],
        "event_seqs": [seq for _, seq in events],
    }
    return every(db, "pending_notifications", params)


def mark_delivered(db: Db, notification_ids: list[int], now: datetime) -> None:
    run(db, "mark_delivered", {"ids": notification_ids, "now": now})


def stuck_in_pipeline(
    conn: Connection[Any], now: datetime, stale: timedelta, limit: int
) -> list[Row]:
    """Complaints an automated stage should have moved on, with nothing in the outbox (id,
    stage, route_queue); touched, so the next re-drive waits `stale` again."""
    return every(conn, "stuck_in_pipeline", {"now": now, "stale": stale, "limit": limit})


def stuck_notifications(
    conn: Connection[Any], now: datetime, stale: timedelta, limit: int
) -> list[Row]:
    """Undelivered notifications with no notify message waiting (complaint_id, event_seq)."""
    return every(conn, "stuck_notifications", {"now": now, "stale": stale, "limit": limit})
