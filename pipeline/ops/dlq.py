"""Dead letters: copied from Redis into PostgreSQL, listed, shown, replayed once, purged."""

from __future__ import annotations

import json
from typing import Any

import redis
from dramatiq import Message
from psycopg_pool import ConnectionPool

from pipeline.db import dead_letters
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
                dead_letters.archive(
                    conn,
                    message.message_id,
                    queue,
                    message.actor_name,
                    message.asdict(),
                    "copied from the Redis dead-letter set",
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
        return dead_letters.listed(conn, queue, actor, pending, limit)


def show(pool: ConnectionPool[Any], letter_id: int) -> dict[str, Any] | None:
    with pool.connection() as conn:
        return dead_letters.get(conn, letter_id)


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
        rows = dead_letters.claim_for_replay(conn, letter_id, queue, actor)
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
        return dead_letters.purge(conn, queue)


def render(row: dict[str, Any]) -> str:
    return json.dumps(row, default=str, ensure_ascii=False, indent=2)
