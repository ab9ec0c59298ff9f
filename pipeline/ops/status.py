"""One snapshot of the pipeline for operators: queues (from Redis), outbox, complaints,
deadlines, dead letters and evidence-store errors (from PostgreSQL), live workers (the
broker's heartbeats)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Any

import redis
from psycopg_pool import ConnectionPool

from pipeline.db import reports
from pipeline.domain.routing import all_queues


@dataclass(frozen=True)
class QueueStats:
    queue: str
    depth: int
    delayed: int
    dead: int
    oldest_age_seconds: float


def queue_stats(client: redis.Redis, queues: list[str]) -> list[QueueStats]:
    pipe = client.pipeline(transaction=False)
    for name in queues:
        key = f"dramatiq:{name}"
        pipe.llen(key)
        pipe.llen(f"{key}.DQ")
        pipe.zcard(f"{key}.XQ")
        pipe.lindex(key, 0)
    answers = pipe.execute()
    now_ms = time.time() * 1000
    out = []
    for i, name in enumerate(queues):
        depth, delayed, dead, first = answers[4 * i : 4 * i + 4]
        age = 0.0
        if first is not None:
            raw = client.hget(f"dramatiq:{name}.msgs", first)
            if raw:
                stamp = json.loads(raw).get("message_timestamp", now_ms)
                age = max(0.0, (now_ms - float(stamp)) / 1000)
        out.append(QueueStats(name, int(depth), int(delayed), int(dead), age))
    return out


#: The workers' own heartbeat set (workers.middleware.heartbeat); not Dramatiq's
#: `__heartbeats__`, which every producer refreshes too.
WORKERS_KEY = "complaints:worker-heartbeats"


def live_workers(client: redis.Redis, heartbeat_timeout_ms: int) -> int:
    """Worker processes whose consumers were all fetching within the heartbeat timeout."""
    since = time.time() * 1000 - heartbeat_timeout_ms
    return int(client.zcount(WORKERS_KEY, since, "+inf"))


def snapshot(
    pool: ConnectionPool[Any], client: redis.Redis, heartbeat_timeout_ms: int
) -> dict[str, Any]:
    with pool.connection() as conn:
        counts = reports.status_counts(conn)
        by_status = reports.complaints_by_status(conn)
        store_errors = reports.store_errors_by_reason(conn)
    return {
        "queues": [asdict(s) for s in queue_stats(client, all_queues())],
        "outbox_backlog": int(counts.get("outbox_backlog") or 0),
        "outbox_oldest_seconds": float(counts.get("outbox_oldest_seconds") or 0),
        "complaints_by_status": by_status,
        "deadlines_warned": int(counts.get("deadlines_warned") or 0),
        "deadlines_breached_last_hour": int(counts.get("deadlines_breached_last_hour") or 0),
        "dead_letters_pending": int(counts.get("dead_letters_pending") or 0),
        "redriven_total": int(counts.get("redriven_total") or 0),
        # by reason: this UTC hour and the last (recent), the last 7 days, last hour seen
        "evidence_store_errors": [
            {
                "reason": r["reason"],
                "recent": int(r["recent"]),
                "last_7_days": int(r["last_7_days"]),
                "last_hour": r["last_hour"],
            }
            for r in store_errors
        ],
        "live_workers": live_workers(client, heartbeat_timeout_ms),
    }
