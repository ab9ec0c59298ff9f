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
from pipeline.db.json_rows import json_rows
from pipeline.domain.stages import STAGES, Job

Message = tuple[str, str, str, dict[str, Any]]  # queue, actor, complaint id, payload


def outbox_params(messages: Sequence[Message]) -> dict[str, Jsonb]:
    """The `insert_outbox` parameter for these messages: their rows as one JSON array (one
    encoding for all; a jsonb[] of payloads cost a regex escape per message)."""
    rows = [
        {"queue_name": q, "actor_name": a, "complaint_id": cid, "payload": payload}
        for q, a, cid, payload in messages
    ]
    return {"outbox": json_rows(rows)}


def insert(db: Db, messages: Sequence[Message]) -> None:
    """The messages, in this order, in one statement."""
    run(db, "insert_outbox", outbox_params(messages))


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
    stages = [str(row.stage) for row in STAGES.values() if row.stage is not None]
    params = {"now": now, "stale": stale, "limit": limit, "stages": stages}
    return every(conn, "stuck_in_pipeline", params)


def stuck_notifications(
    conn: Connection[Any], now: datetime, stale: timedelta, limit: int
) -> list[Row]:
    """Undelivered notifications with no notify message waiting (complaint_id, event_seq)."""
    params = {"now": now, "stale": stale, "limit": limit, "notify": str(Job.NOTIFY)}
    return every(conn, "stuck_notifications", params)
