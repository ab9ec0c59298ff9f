"""Dead letters: copied from Redis into PostgreSQL, listed, shown, replayed once, purged."""

from __future__ import annotations

import json
from typing import Any

import redis
from dramatiq import Message
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from pipeline.db.queries import q
from pipeline.domain.routing import all_queues
from pipeline.domain.stages import current_form


def sync_from_redis(pool: ConnectionPool[Any], client: redis.Redis) -> int:
    """Archive every message in the Redis dead-letter sets (`dramatiq:<q>.XQ`)."""
    copied = 0
    with pool.connection() as conn:
        for queue in all_queues():
            raw = client.hgetall(f"dramatiq:{queue}.XQ.msgs")
            for data in raw.values():
                message = Message.decode(data if isinstance(data, bytes) else data.encode())
                conn.execute(
                    q("archive_dead_letter"),
                    {
                        "message_id": message.message_id,
                        "queue_name": queue,
                        "actor_name": message.actor_name,
                        "payload": Jsonb(message.asdict()),
                        "error": "copied from the Redis dead-letter set",
                    },
                )
                copied += 1
    return copied


def list_letters(
    pool: ConnectionPool[Any],
    queue: str | None = None,
    actor: str | None = None,
    pending: bool = False,
    limit: int = 100,
) -> list[dict[str, Any]]:
    with pool.connection() as conn:
        rows: list[dict[str, Any]] = conn.execute(
            q("list_dead_letters"),
            {"queue": queue, "actor": actor, "pending": pending, "limit": limit},
        ).fetchall()
    return rows


def show(pool: ConnectionPool[Any], letter_id: int) -> dict[str, Any] | None:
    with pool.connection() as conn:
        row: dict[str, Any] | None = conn.execute(
            q("get_dead_letter"), {"id": letter_id}
        ).fetchone()
        return row


def replay(
    pool: ConnectionPool[Any],
    broker: Any,
    letter_id: int | None = None,
    queue: str | None = None,
    actor: str | None = None,
) -> int:
    """Re-enqueue matching letters not yet replayed, with their original message ids (the
    handlers skip what already took effect), in today's message form; each letter is
    replayed once."""
    with pool.connection() as conn, conn.transaction():
        rows = conn.execute(
            q("claim_for_replay"), {"id": letter_id, "queue": queue, "actor": actor}
        ).fetchall()
        for row in rows:
            payload = row["payload"]
            actor, kwargs = current_form(
                row["actor_name"], payload.get("kwargs", {}), str(row["message_id"])
            )
            broker.enqueue(
                Message(
                    queue_name=row["queue_name"],
                    actor_name=actor,
                    args=tuple(payload.get("args", ())),
                    kwargs=kwargs,
                    options={},
                    message_id=row["message_id"],
                )
            )
            redis_id = payload.get("options", {}).get("redis_message_id")
            if redis_id:
                broker.client.zrem(f"dramatiq:{row['queue_name']}.XQ", redis_id)
                broker.client.hdel(f"dramatiq:{row['queue_name']}.XQ.msgs", redis_id)
    return len(rows)


def purge(pool: ConnectionPool[Any], queue: str | None = None) -> int:
    """Delete replayed letters (pending ones are never purged)."""
    with pool.connection() as conn:
        return int(conn.execute(q("purge_dead_letters"), {"queue": queue}).rowcount)


def render(row: dict[str, Any]) -> str:
    return json.dumps(row, default=str, ensure_ascii=False, indent=2)
