"""Run the pipeline in-process for integration tests: the real handlers and database, with
outbox rows handed straight to the actor functions instead of through Redis."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import psycopg
from psycopg.rows import dict_row

from pipeline.settings import Settings
from workers import actors
from workers.coalesce import group_sizes, messages_for


def drain_outbox(settings: Settings, limit: int = 1000) -> int:
    """Deliver unsent outbox rows to their actors until none are left, coalesced as the
    relay would (`workers.coalesce`), so group actors run here too. Returns rows delivered."""
    done = 0
    with psycopg.connect(settings.database_url, autocommit=True, row_factory=dict_row) as conn:
        for _ in range(limit):
            rows = conn.execute(
                "DELETE FROM outbox RETURNING id, message_id, queue_name, actor_name, payload"
            ).fetchall()
            if not rows:
                return done
            ordered = sorted(rows, key=lambda r: r["id"])
            for message in messages_for(ordered, group_sizes(settings.stage_group_size)):
                getattr(actors, message.actor_name).fn(**message.kwargs)
            done += len(rows)
    raise RuntimeError("outbox did not drain")


_keys = itertools.count()


def action(complaint_id: str, name: str, actor_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "schema": "action.v1",
        "complaint_id": complaint_id,
        "action": name,
        "actor": {"role": name.split(".")[0], "id": actor_id},
        "idempotency_key": f"k-{uuid.uuid4().hex[:8]}-{next(_keys)}",
        **fields,
    }


def act(settings: Settings, payload: dict[str, Any]) -> None:
    actors.act.fn(payload)
    drain_outbox(settings)


def status_of(settings: Settings, complaint_id: str) -> dict[str, Any]:
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        row = conn.execute("SELECT * FROM complaints WHERE id = %s", (complaint_id,)).fetchone()
    assert row is not None
    return row
