"""Writes a unit of work defers: the complaint rows its steps changed, their events and
notifications, and the clocks they replaced, written set-based, a few statements for
however many steps, before the next read and at commit.

A step's writes need no answer to go on: the complaint row it produces is the old row with
the step's changes (the row is locked, so nothing else changes it), and the next step of
the same complaint reads it from here. Anything that reads the database, or writes outside
these three kinds, writes what is pending first (Store does that), so statements still
meet the database in the order the steps made them."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg import Connection, sql

from pipeline.db.json_rows import json_rows
from pipeline.db.queries import q

#: Columns a step may change besides status/stage (identifiers come only from this set).
UPDATABLE = frozenset(
    {
        "rejection_reason",
        "duplicate_of",
        "flags",
        "admitted_at",
        "route_queue",
        "suspended_from",
        "outcome",
        "escalation_level",
        "remedy",
        "waiting_on",
        "due_at",
        "claimed_by",
        "claim_expires_at",
        "case_id",
    }
)
#: Every column the set-based update writes (a step's row carries all of them).
WRITTEN = ("status", "stage", "version", "updated_at", "chain_head", *sorted(UPDATABLE))


class StaleTransition(Exception):
    """The guarded update matched no row: the complaint moved on under us."""


@functools.cache
def _update_sql() -> str:
    """Each changed complaint takes its row after its last step, guarded by the version it
    had in the database (any step bumps the version, so the version alone guards status)."""
    assignments = sql.SQL(", ").join(
        sql.SQL("{col} = r.{col}").format(col=sql.Identifier(name)) for name in WRITTEN
    )
    return (
        sql.SQL(
            "UPDATE complaints c SET {} FROM jsonb_populate_recordset(NULL::complaints, {}) r"
            " JOIN unnest({}::uuid[], {}::int[]) AS g (id, version) ON g.id = r.id"
            " WHERE c.id = r.id AND c.version = g.version RETURNING c.id"
        )
        .format(
            assignments,
            sql.Placeholder("rows"),
            sql.Placeholder("ids"),
            sql.Placeholder("versions"),
        )
        .as_string(None)
    )


@dataclass
class PendingWrites:
    guards: dict[str, int] = field(default_factory=dict)  # id -> version in the database
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> row after its steps
    events: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    clocks: list[dict[str, Any]] = field(default_factory=list)  # replace_open_deadlines params

    def __bool__(self) -> bool:
        return bool(self.rows or self.events or self.clocks)

    def update(self, before: dict[str, Any], after: dict[str, Any]) -> None:
        """`after` replaces `before`; `before` must be the complaint's latest row."""
        cid = str(before["id"])
        latest = self.rows.get(cid)
        if latest is not None and latest["version"] != before["version"]:
            raise StaleTransition(f"complaint {cid} changed before this step could apply")
        self.guards.setdefault(cid, before["version"])
        self.rows[cid] = after

    def write(self, conn: Connection[Any]) -> None:
        """Everything pending, in three statements and one round trip; raises
        StaleTransition if a complaint changed since it was read."""
        rows, guards = self.rows, self.guards
        events, notes, clocks = self.events, self.notifications, self.clocks
        self.rows, self.guards, self.events, self.notifications, self.clocks = {}, {}, [], [], []
        with conn.pipeline():
            updated = None
            if rows:
                ids = list(rows)
                updated = conn.execute(
                    _update_sql(),
                    {
                        "rows": json_rows([_written(rows[i]) for i in ids]),
                        "ids": ids,
                        "versions": [guards[i] for i in ids],
                    },
                )
            if events:
                conn.execute(
                    q("record_steps"),
                    {"events": json_rows(events), "notifications": json_rows(notes)},
                )
            if clocks:
                conn.execute(q("replace_open_deadlines"), _clock_params(clocks))
        if updated is not None:
            changed = {str(r["id"]) for r in updated.fetchall()}
            stale = sorted(set(rows) - changed)
            if stale:
                raise StaleTransition(f"complaints changed under this unit of work: {stale}")


def _written(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(row["id"]), **{name: row[name] for name in WRITTEN}}


def _clock_params(clocks: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Column arrays for `replace_open_deadlines`. A complaint whose clock was replaced
    twice gets the middle clock already closed, when the next replaced it, as the two
    statements one after the other would have left it."""
    closed_at: list[datetime | None] = [None] * len(clocks)
    last: dict[str, int] = {}
    for n, c in enumerate(clocks):
        cid = str(c["complaint_id"])
        if cid in last:
            closed_at[last[cid]] = c["now"]
        last[cid] = n
    return {
        "complaint_ids": [str(c["complaint_id"]) for c in clocks],
        "kinds": [c["kind"] for c in clocks],
        "parties": [str(c["party"]) for c in clocks],
        "started": [c["started_at"] for c in clocks],
        "due": [c["due_at"] for c in clocks],
        "warn": [c["warn_at"] for c in clocks],
        "nows": [c["now"] for c in clocks],
        "closed": closed_at,
    }
