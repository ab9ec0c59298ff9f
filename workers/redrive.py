"""Re-drive: complaints stuck in an automated stage with no outbox row (their message was
lost, e.g. Redis restarted empty) get their stage's message again, and undelivered
notifications their notify message; counted in `counters` (name 'redriven')."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from psycopg_pool import ConnectionPool

from pipeline.db import outbox, reports
from pipeline.db.outbox import Message
from pipeline.domain.stages import STAGES, Job, job_at
from pipeline.domain.status import Stage


def redrive(pool: ConnectionPool[Any], now: datetime, stale: timedelta, limit: int = 500) -> int:
    with pool.connection() as conn, conn.transaction():
        stuck = outbox.stuck_in_pipeline(conn, now, stale, limit)
        notes = outbox.stuck_notifications(conn, now, stale, limit)
        rows: list[Message] = []
        for c in stuck:
            job = job_at(Stage(c["stage"]))
            assert job is not None, f"no job runs at stage {c['stage']}"
            cid = str(c["id"])
            queue = STAGES[job].queue or c["route_queue"]  # dispatch: the queue route chose
            rows.append((queue, str(job), cid, {"complaint_id": cid}))
        notify = STAGES[Job.NOTIFY].queue
        assert notify is not None
        for n in {(r["complaint_id"], r["event_seq"]): r for r in notes}.values():
            cid = str(n["complaint_id"])
            payload = {"complaint_id": cid, "event_seq": n["event_seq"]}
            rows.append((notify, str(Job.NOTIFY), cid, payload))
        if rows:
            outbox.insert(conn, rows)
            reports.bump_counter(conn, "redriven", len(rows))
    return len(rows)
