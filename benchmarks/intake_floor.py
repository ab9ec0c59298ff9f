"""The floor under batch ingestion: the very rows intake writes for a set of complaints,
written with one COPY per table in one transaction into the migrated schema (all its
indexes, constraints and foreign keys).

The rows are not written by hand, so they cannot drift from intake: the harness runs the
real intake (`accept`, in transactions of 1,000 like `POST /v1/complaints/batch`) on
the same complaints into a scratch database migrated like the benchmark's, dumps every
table it wrote with COPY TO, and rewrites the keys for the COPY run: new complaint ids
(everywhere they occur, JSON bodies included) and another `source` in the complaints
rows, so the rows are new to the benchmark's database; columns that take a generated
default (serial ids, outbox message ids) are left to the database, as intake leaves them.
All of this is done before the clock starts."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from benchmarks.baselines import Rate
from benchmarks.cpu import CpuMeter, CpuUsage
from pipeline.db.pool import make_pool
from pipeline.db.store import unit_of_work
from pipeline.handlers.intake import accept
from schemas.complaint import parse_complaint

#: Every table intake writes, parents first (the order COPY must follow for the foreign
#: keys); tests/integration/test_bench_intake_floor.py checks intake writes no other.
TABLES = (
    "complaints",
    "evidence_items",
    "complaint_events",
    "deadlines",
    "notifications",
    "outbox",
)
#: Columns whose value intake supplies although they have a generated default.
SUPPLIED = {("complaints", "id")}
GENERATED = ("nextval(", "gen_random_uuid(")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

COLUMNS_SQL = """
SELECT column_name, column_default FROM information_schema.columns
WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position
"""


def copy_columns(table: str, columns: Sequence[tuple[str, str | None]]) -> list[str]:
    """The columns to carry over: all but those the database fills with a fresh value
    (unless intake supplies it)."""
    return [
        name
        for name, default in columns
        if (table, name) in SUPPLIED or not (default and default.startswith(GENERATED))
    ]


def rewrite(text: str, ids: Mapping[str, str]) -> str:
    """COPY text with every known complaint id replaced by its new one, wherever it
    occurs (keys, foreign keys, JSON bodies)."""
    return UUID.sub(lambda m: ids.get(m.group(), m.group()), text)


def set_column(text: str, index: int, value: str) -> str:
    """COPY text with one column of every row set to `value` (text format: rows end in a
    newline, columns are tab-separated, tabs and newlines in values are escaped)."""
    lines = []
    for line in text.splitlines():
        fields = line.split("\t")
        fields[index] = value
        lines.append("\t".join(fields))
    return "".join(f"{line}\n" for line in lines)


@dataclass(frozen=True)
class IntakeRows:
    """What intake wrote for one set of complaints: COPY text per table."""

    complaint_ids: list[str]
    columns: dict[str, list[str]]
    text: dict[str, str]  # COPY text format

    def rows(self) -> dict[str, int]:
        return {t: self.text[t].count("\n") for t in TABLES}

    def for_copy(self, source: str) -> dict[str, bytes]:
        """The same rows under new complaint ids and `source` (the complaints' own column:
        (source, external_id) is unique), ready for COPY FROM."""
        ids = {cid: str(uuid.uuid4()) for cid in self.complaint_ids}
        text = {t: rewrite(self.text[t], ids) for t in TABLES}
        at = self.columns["complaints"].index("source")
        text["complaints"] = set_column(text["complaints"], at, source)
        return {t: v.encode() for t, v in text.items()}


def derive(scratch_url: str, payloads: list[dict[str, Any]], batch: int = 1_000) -> IntakeRows:
    """Run intake on `payloads` into the scratch database, dump its rows, empty it."""
    pool = make_pool(scratch_url, 1, name="bench-floor")
    pool.open(wait=True)
    try:
        for start in range(0, len(payloads), batch):
            items = [(parse_complaint(p), None) for p in payloads[start : start + batch]]
            with unit_of_work(pool) as store:
                accept(store, items)
    finally:
        pool.close()
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        columns, text = {}, {}
        for table in TABLES:
            found = conn.execute(COLUMNS_SQL, (table,)).fetchall()
            columns[table] = copy_columns(table, [(str(n), d) for n, d in found])
            query = sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT").format(
                sql.SQL(", ").join(map(sql.Identifier, columns[table])), sql.Identifier(table)
            )
            with conn.cursor() as cur, cur.copy(query) as copy:
                text[table] = b"".join(bytes(chunk) for chunk in copy).decode()
        ids = [str(r[0]) for r in conn.execute("SELECT id FROM complaints").fetchall()]
        conn.execute(
            sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(map(sql.Identifier, TABLES)))
        )
    return IntakeRows(ids, columns, text)


@dataclass(frozen=True)
class Floor:
    rate: Rate
    cpu: CpuUsage


def copy_floor(database_url: str, rows: IntakeRows, source: str) -> Floor:
    """One transaction of one COPY per table into the benchmark's database; complaints/s."""
    data = rows.for_copy(source)  # before the clock
    with psycopg.connect(database_url) as conn:
        meter = CpuMeter(None)
        t0 = time.monotonic()
        with conn.transaction():
            for table in TABLES:
                query = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(table),
                    sql.SQL(", ").join(map(sql.Identifier, rows.columns[table])),
                )
                with conn.cursor() as cur, cur.copy(query) as copy:
                    copy.write(data[table])
        elapsed = time.monotonic() - t0
        cpu = meter.stop()
    n = len(rows.complaint_ids)
    return Floor(Rate(n / elapsed, n, elapsed), cpu)
