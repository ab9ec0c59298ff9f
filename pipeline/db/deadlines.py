"""The deadline ledger's statements (table `deadlines`): a clock per complaint and kind,
opened, paused, resumed, extended and closed with the steps that move it, fired and warned
by the scheduler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection

from pipeline.db.gateway import Db, Row, every, one, run
from pipeline.domain.stages import STAGES, Job


@dataclass(frozen=True)
class Deadline:
    id: int
    complaint_id: str
    kind: str
    party: str
    state: str  # open, paused, fired, closed
    due_at: datetime
    warn_at: datetime
    paused_at: datetime | None
    warned_at: datetime | None
    superseded: bool = False  # fired(): a newer clock of its kind runs for the complaint

    @classmethod
    def from_row(cls, row: Row) -> Deadline:
        return cls(
            id=int(row["id"]),
            complaint_id=str(row["complaint_id"]),
            kind=row["kind"],
            party=str(row["party"]),
            state=str(row["state"]),
            due_at=row["due_at"],
            warn_at=row["warn_at"],
            paused_at=row["paused_at"],
            warned_at=row["warned_at"],
            superseded=bool(row.get("superseded", False)),
        )


def _deadline(row: Row | None) -> Deadline | None:
    return Deadline.from_row(row) if row is not None else None


def get(db: Db, deadline_id: int) -> Deadline | None:
    return _deadline(one(db, "get_deadline", {"id": deadline_id}))


def live(db: Db, complaint_id: str, kind: str) -> Deadline | None:
    """The complaint's open or paused clock of this kind."""
    return _deadline(one(db, "live_deadline", {"complaint_id": complaint_id, "kind": kind}))


def running(db: Db, complaint_id: str) -> Deadline | None:
    """The complaint's open clock (at most one runs at a time)."""
    return _deadline(one(db, "running_clock", {"complaint_id": complaint_id}))


def fired(db: Db, deadline_ids: list[int]) -> dict[int, Deadline]:
    """These deadlines by id, each with whether a newer clock of its kind runs."""
    rows = every(db, "fired_deadlines", {"ids": deadline_ids})
    return {d.id: d for d in map(Deadline.from_row, rows)}


def live_clocks(conn: Connection[Any], complaint_id: str) -> list[Row]:
    """The complaint's open and paused clocks as the complaint view shows them."""
    return every(conn, "live_clocks", {"complaint_id": complaint_id})


def open_clock(db: Db, clock: Row) -> None:
    """A new clock: complaint_id, kind, party, started_at, due_at, warn_at."""
    run(db, "open_deadline", clock)


def close_live(db: Db, complaint_id: str, now: datetime) -> None:
    """Close the complaint's open and paused clocks (it reached an end)."""
    run(db, "close_live_deadlines", {"complaint_id": complaint_id, "now": now})


def close_open(db: Db, complaint_id: str, now: datetime) -> None:
    run(db, "close_open_deadlines", {"complaint_id": complaint_id, "now": now})


def pause_open(db: Db, complaint_id: str, now: datetime) -> None:
    run(db, "pause_live_deadlines", {"complaint_id": complaint_id, "now": now})


def resume(db: Db, deadline_id: int, now: datetime, due_at: datetime, warn_at: datetime) -> None:
    params = {"id": deadline_id, "now": now, "due_at": due_at, "warn_at": warn_at}
    run(db, "resume_deadline", params)


def extend(db: Db, deadline_id: int, due_at: datetime, warn_at: datetime) -> None:
    run(db, "extend_deadline", {"id": deadline_id, "due_at": due_at, "warn_at": warn_at})


def fire_due(conn: Connection[Any], now: datetime, limit: int) -> int:
    """Fire up to `limit` clocks due by `now`, each with its breach message in the outbox."""
    params = {"now": now, "limit": limit, **_sent(Job.SLA_BREACH)}
    return len(every(conn, "claim_due_deadlines", params))


def warn_due(conn: Connection[Any], now: datetime, limit: int) -> int:
    """Mark up to `limit` clocks past their warning time, each with its warning message."""
    params = {"now": now, "limit": limit, **_sent(Job.SLA_WARNING)}
    return len(every(conn, "claim_due_warnings", params))


def _sent(job: Job) -> dict[str, Any]:
    """The outbox row's queue and actor for a job the scheduler sends (the stage table)."""
    return {"queue": STAGES[job].queue, "job": str(job)}


def next_due_time(conn: Connection[Any]) -> datetime | None:
    """When the scheduler next has something to fire or warn."""
    row = one(conn, "next_deadline_time")
    return row["next_at"] if row else None
