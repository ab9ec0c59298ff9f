"""Re-drive: complaints stuck in an automated stage with no outbox row (their message was
lost, e.g. Redis restarted empty) get their stage's message again, and undelivered
notifications their notify message; counted in `counters` (name 'redriven')."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from psycopg_pool import ConnectionPool

from pipeline.db import outbox, reports
from pipeline.db.outbox import Message

#: stage -> (actor, queue); dispatch goes to the category's queue chosen by route.
STAGE_MESSAGES: dict[str, tuple[str, str | None]] = {
    "review": ("review", "review"),
    "evidence": ("evidence", "evidence"),
    "route": ("route", "route"),
    "dispatch": ("dispatch", None),
}


def redrive(pool: ConnectionPool[Any], now: datetime, stale: timedelta, limit: int = 500) -> int:
    with pool.connection() as conn, conn.transaction():
        stuck = outbox.stuck_in_pipeline(conn, now, stale, limit)
        notes = outbox.stuck_notifications(conn, now, stale, limit)
        rows: list[Message] = []
        for c in stuck:
            actor, queue = STAGE_MESSAGES[c["stage"]]
            cid = str(c["id"])
            rows.append((queue or c["route_queue"], actor, cid, {"complaint_id": cid}))
        for n in {(r["complaint_id"], r["event_seq"]): r for r in notes}.values():
            cid = str(n["complaint_id"])
            rows.append(
                ("notify", "notify", cid, {"complaint_id": cid, "event_seq": n["event_seq"]})
            )
        if rows:
            outbox.insert(conn, rows)
            reports.bump_counter(conn, "redriven", len(rows))
    return len(rows)
