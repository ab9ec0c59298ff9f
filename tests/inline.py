"""Run the pipeline in-process for integration tests: the real handlers and database, with
outbox rows handed straight to the actor functions instead of through Redis."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import psycopg
from psycopg.rows import dict_row

from pipeline.domain.stages import Job, group_sizes
from pipeline.settings import Settings
from workers import actors
from workers.broker import broker
from workers.coalesce import messages_for


def drain_outbox(settings: Settings, limit: int = 1000) -> int:
    """Deliver unsent outbox rows to their actors until none are left, in the relay's
    groups (`workers.coalesce`). Returns rows delivered."""
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
                broker.get_actor(message.actor_name).fn(**message.kwargs)
            done += len(rows)
    raise RuntimeError("outbox did not drain")


def stage(job: Job | str) -> Any:
    """The actor of a job of the stage table (pipeline.domain.stages)."""
    return actors.STAGE_ACTORS[Job(job)]


def one(job: Job | str, **payload: Any) -> None:
    """A job's message of one item (what the relay sends for a lone outbox row)."""
    stage(job).fn([[str(uuid.uuid4()), payload]])


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


def forwarded_complaint(settings: Settings, **overrides: Any) -> str:
    """A complaint (tests.factories.complaint_payload with `overrides`) run through intake,
    review, evidence and routing in-process, so it waits on its merchant; buyer b_10293's
    photo is put in S3 first."""
    from pipeline.adapters.s3 import make_s3_client
    from tests.factories import JPEG, complaint_payload
    from workers.runtime import bound

    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG
    )
    payload = complaint_payload(**overrides)
    with bound(settings):
        actors.intake.fn(payload)
        drain_outbox(settings)
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(
            "SELECT id::text FROM complaints WHERE source = %s AND external_id = %s",
            (payload["source"], payload["external_id"]),
        ).fetchone()
    assert row is not None
    return str(row[0])
