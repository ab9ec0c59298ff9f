"""How far a load has got through the automated stages, read from PostgreSQL, and the bars
that show it: each bar's total is what can still reach its stage, so a finished run reads as
finished, with what left the flow before that stage named beside it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import psycopg

from pipeline.db import reports


@dataclass(frozen=True)
class Progress:
    complaints: int
    quarantined: int
    reviewed: int
    evidence_checked: int
    dispatched: int
    rejected: int
    held_for_review: int
    awaiting_evidence: int
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


@dataclass(frozen=True)
class StageBar:
    description: str
    completed: int
    total: int
    note: str = ""  # what left the flow before this stage, and why


def _note(prefix: str, *parts: tuple[int, str]) -> str:
    named = ", ".join(f"{n} {why}" for n, why in parts if n)
    return f"{prefix} {named}" if named else ""


def stage_bars(p: Progress, sent: int) -> list[StageBar]:
    """The demo's bars. A complaint rejected or held for manual review at review never comes
    to the evidence check, and one waiting for the buyer's evidence never to the merchant:
    they are taken off the later bars' totals (while a load runs, those totals shrink as
    review and evidence decide)."""
    passed_review = p.complaints - p.rejected - p.held_for_review
    return [
        StageBar(
            "intake",
            p.arrived,
            sent,
            _note("incl.", (p.quarantined, "quarantined (invalid messages)")),
        ),
        StageBar("review", p.reviewed, p.complaints),
        StageBar(
            "evidence checked",
            p.evidence_checked,
            passed_review,
            _note(
                "left at review:",
                (p.rejected, "rejected"),
                (p.held_for_review, "held for manual review"),
            ),
        ),
        StageBar(
            "sent to merchant",
            p.dispatched,
            passed_review - p.awaiting_evidence,
            _note("left at evidence:", (p.awaiting_evidence, "awaiting the buyer's evidence")),
        ),
        StageBar("notifications", p.delivered, p.notifications),
    ]


def read_progress(conn: psycopg.Connection[Any], source: str) -> Progress:
    return Progress(**reports.pipeline_progress(conn, source))


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
