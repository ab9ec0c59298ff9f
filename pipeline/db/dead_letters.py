"""Dead letters' and deliveries' statements (tables `dead_letters`, `message_deliveries`):
messages that failed for good, kept in PostgreSQL (Redis purges its copy after a week),
replayed once; deliveries counted so a message whose worker dies each time ends."""

from __future__ import annotations

from typing import Any

from psycopg import Connection
from psycopg.types.json import Jsonb

from pipeline.db.gateway import Row, every, one, run


def archive(
    conn: Connection[Any],
    message_id: str,
    queue_name: str,
    actor_name: str,
    payload: dict[str, Any],
    error: str | None,
) -> None:
    """Keep a dead letter (again: its failures counted, its error the latest)."""
    params = {
        "message_id": message_id,
        "queue_name": queue_name,
        "actor_name": actor_name,
        "payload": Jsonb(payload),
        "error": error,
    }
    run(conn, "archive_dead_letter", params)


def listed(
    conn: Connection[Any], queue: str | None, actor: str | None, pending: bool, limit: int
) -> list[Row]:
    params = {"queue": queue, "actor": actor, "pending": pending, "limit": limit}
    return every(conn, "list_dead_letters", params)


def get(conn: Connection[Any], letter_id: int) -> Row | None:
    return one(conn, "get_dead_letter", {"id": letter_id})


def claim_for_replay(
    conn: Connection[Any], letter_id: int | None, queue: str | None, actor: str | None
) -> list[Row]:
    """Matching letters not replayed yet, marked replayed (each is replayed once)."""
    params = {"id": letter_id, "queue": queue, "actor": actor}
    return every(conn, "claim_for_replay", params)


def purge(conn: Connection[Any], queue: str | None) -> int:
    """Delete replayed letters; answers how many."""
    return run(conn, "purge_dead_letters", {"queue": queue})


def count_delivery(conn: Connection[Any], message_id: str, actor: str) -> int:
    """Count one more delivery of the message; answers its deliveries so far."""
    row = one(conn, "count_delivery", {"message_id": message_id, "actor": actor})
    return int(row["deliveries"]) if row else 1


def prune_deliveries(conn: Connection[Any]) -> None:
    """Forget deliveries of messages not seen for a day."""
    run(conn, "prune_deliveries")
