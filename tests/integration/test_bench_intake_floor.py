"""The COPY baseline of batch ingestion writes what intake writes: its rows come from the
real intake in a scratch database, and intake writes no table the baseline leaves out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from benchmarks.intake_floor import TABLES, copy_floor, derive
from pipeline.db.pool import make_pool
from pipeline.db.store import unit_of_work
from pipeline.handlers.intake import accept
from pipeline.sample import Generator
from pipeline.settings import Settings
from schemas.complaint import parse_complaint
from tests import services

pytestmark = pytest.mark.integration

#: What must match between intake's own rows and the COPY of them, per table (ids,
#: serials, times and hashes differ by construction).
SAME = {
    "complaints": "external_id, category, title, description, status, stage, payload_sha256,"
    " order_amount_cents, claimed_amount_cents, version",
    "evidence_items": "position, key, kind, content_type, size, sha256, submitted_by_role",
    "complaint_events": "seq, event, from_status, to_status, actor_role, data - 'source'",
    "deadlines": "kind, party, state, due_at - started_at",
    "notifications": "event_seq, recipient_role, recipient_id, kind, body - 'complaint_id'",
    "outbox": "queue_name, actor_name, payload - 'complaint_id'",
}
SOURCE_OF = {
    "complaints": "t.source",
    **{t: "c.source" for t in TABLES if t != "complaints"},
}


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        ]
        return {
            n: int(conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0])  # type: ignore[index]  # noqa: S608
            for n in names
        }


def projection(conn: psycopg.Connection[Any], table: str, source: str) -> list[tuple[Any, ...]]:
    join = "" if table == "complaints" else " JOIN complaints c ON c.id = t.complaint_id"
    cols = ", ".join(f"t.{c.strip()}" for c in SAME[table].split(","))
    rows = conn.execute(
        f"SELECT {cols} FROM {table} t{join} WHERE {SOURCE_OF[table]} = %s",  # noqa: S608
        (source,),
    ).fetchall()
    return sorted(rows, key=repr)


def test_copy_baseline_writes_the_rows_intake_writes(
    base_settings: Settings, template_db: str, database_url: str
) -> None:
    gen = Generator(5, datetime.now(UTC), source="floor-src", id_prefix="floor-src-")
    payloads = gen.valid_payloads(30)
    with services.cloned_database(base_settings, template_db) as scratch:
        before = counts(scratch)
        rows = derive(scratch, payloads, batch=7)
        # every table intake wrote was dumped (and emptied): none is left with rows
        assert counts(scratch) == before
    assert rows.rows()["complaints"] == 30
    assert all(rows.rows()[t] > 0 for t in TABLES)

    floor = copy_floor(database_url, rows, "floor-copy")
    assert floor.rate.count == 30
    # the same complaints through intake itself, into the same database
    pool = make_pool(database_url, 1)
    pool.open(wait=True)
    with unit_of_work(pool) as store:
        accept(store, [(parse_complaint(p), None) for p in payloads])
    pool.close()
    with psycopg.connect(database_url) as conn:
        for table in TABLES:
            copied = projection(conn, table, "floor-copy")
            assert len(copied) == rows.rows()[table], table
            assert copied == projection(conn, table, "floor-src"), table
        # the copies point at their own complaints (foreign keys and JSON bodies alike)
        stray = conn.execute(
            "SELECT count(*) FROM outbox o LEFT JOIN complaints c"
            " ON c.id = (o.payload->>'complaint_id')::uuid WHERE c.id IS NULL"
        ).fetchone()
        assert stray == (0,)
