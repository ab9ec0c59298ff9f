"""Reads of a complaint's event history (table `complaint_events`; steps append to it
through pipeline.db.pending): decisions and appeals, extension requests, warnings sent,
the timeline and the audit chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from psycopg import Connection
from psycopg.rows import dict_row

from pipeline.db.gateway import Db, Row, every, one
from pipeline.db.queries import q


@dataclass(frozen=True)
class EventStep:
    """An event as the rules about later steps read it."""

    event: str
    actor_id: str
    data: dict[str, Any]

    @classmethod
    def from_row(cls, row: Row) -> EventStep:
        return cls(event=row["event"], actor_id=row["actor_id"], data=row["data"] or {})


def _step(row: Row | None) -> EventStep | None:
    return EventStep.from_row(row) if row is not None else None


def count(db: Db, complaint_id: str, event: str) -> int:
    row = one(db, "count_events", {"complaint_id": complaint_id, "event": event})
    return int(row["n"]) if row else 0


def offer_rounds(db: Db, complaint_id: str) -> int:
    """Merchant offers so far (the first and its revisions)."""
    row = one(db, "count_offer_rounds", {"complaint_id": complaint_id})
    return int(row["n"]) if row else 0


def latest_decision_step(db: Db, complaint_id: str) -> EventStep | None:
    """The newest decision, proposal or appeal."""
    return _step(one(db, "latest_decision_step", {"complaint_id": complaint_id}))


def appealed_decision(db: Db, complaint_id: str) -> EventStep | None:
    """The decision the newest appeal appealed (None: never appealed)."""
    return _step(one(db, "appealed_decision", {"complaint_id": complaint_id}))


def last_decision(db: Db, complaint_id: str) -> EventStep | None:
    """The newest platform decision (None: settled by agreement)."""
    return _step(one(db, "last_decision", {"complaint_id": complaint_id}))


def extension_steps(db: Db, complaint_id: str, deadline_id: int) -> list[EventStep]:
    """One clock's extension request and its answer, newest first."""
    params = {"complaint_id": complaint_id, "deadline_id": deadline_id}
    return [EventStep.from_row(r) for r in every(db, "extension_steps", params)]


def warning_sent(db: Db, complaint_id: str, deadline_id: int) -> bool:
    params = {"complaint_id": complaint_id, "deadline_id": deadline_id}
    return one(db, "warning_sent", params) is not None


def case_decision_applied(db: Db, complaint_id: str, decision_id: int) -> bool:
    params = {"complaint_id": complaint_id, "decision_id": decision_id}
    return one(db, "case_decision_applied", params) is not None


def timeline(db: Db, complaint_id: str, limit: int, offset: int) -> list[Row]:
    """A page of the complaint's events, in order, as the API shows them."""
    params = {"complaint_id": complaint_id, "limit": limit, "offset": offset}
    return every(db, "events_of", params)


def chain_heads(conn: Connection[Any], complaint_id: str | None) -> dict[str, str]:
    """Each complaint's recorded chain head (one complaint's, or every one's)."""
    rows = every(conn, "chain_heads", {"id": complaint_id})
    return {str(r["id"]): r["chain_head"] for r in rows}


def chain_events(conn: Connection[Any], complaint_id: str | None) -> Iterator[Row]:
    """Every event by complaint and seq, streamed by a server-side cursor (any number of
    events); the caller holds a transaction open while it reads."""
    with conn.cursor(name="audit", row_factory=dict_row) as cur:
        cur.execute(q("chain_events"), {"id": complaint_id})
        yield from cur
