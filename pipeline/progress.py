"""How far a load has got through the automated stages, read from PostgreSQL."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from pipeline.db.queries import q


@dataclass(frozen=True)
class Progress:
    complaints: int
    quarantined: int
    reviewed: int
    evidence_checked: int
    dispatched: int
    in_flight: int
    notifications: int
    delivered: int
    outbox_backlog: int

    @property
    def arrived(self) -> int:
        return self.complaints + self.quarantined

    def settled(self, sent: int) -> bool:
        """Every message sent has arrived and nothing is left moving."""
        return (
            self.arrived >= sent
            and self.in_flight == 0
            and self.delivered == self.notifications
            and self.outbox_backlog == 0
        )


def read_progress(conn: psycopg.Connection[Any], source: str) -> Progress:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(q("pipeline_progress"), {"source": source}).fetchone()
    assert row is not None
    return Progress(**{k: int(v) for k, v in row.items()})


def wait_until_settled(
    database_url: str, source: str, sent: int, timeout: float, poll: float = 0.25
) -> Progress:
    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url, autocommit=True) as conn:
        while True:
            progress = read_progress(conn, source)
            if progress.settled(sent):
                return progress
            if time.monotonic() > deadline:
                raise TimeoutError(f"pipeline did not settle within {timeout}s: {progress}")
            time.sleep(poll)
