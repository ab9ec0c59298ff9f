"""Counts for operators and the demo (tables `counters` and the complaints as a whole):
`complaints status`, the demo's progress bars and summary, the console's demo people."""

from __future__ import annotations

from typing import Any

from psycopg import Connection

from pipeline.db.gateway import Db, Row, every, one, run
from pipeline.domain.stages import path
from pipeline.domain.status import Stage


def status_counts(conn: Connection[Any]) -> Row:
    """Outbox backlog and age, deadlines warned and breached, dead letters, re-drives."""
    return one(conn, "status_counts") or {}


def complaints_by_status(conn: Connection[Any]) -> dict[str, int]:
    return {r["status"]: int(r["n"]) for r in every(conn, "complaints_by_status")}


def store_errors_by_reason(conn: Connection[Any]) -> list[Row]:
    """Evidence-store failures by reason: the last 7 days, the recent ones, the last hour."""
    return every(conn, "store_errors_by_reason")


def count_store_error(db: Db, reason: str) -> None:
    """One evidence-store failure, in its reason's hourly counter (kept for seven days)."""
    run(db, "count_store_error", {"reason": reason})


def bump_counter(conn: Connection[Any], name: str, by: int) -> None:
    run(conn, "bump_counter", {"name": name, "by": by})


def pipeline_progress(conn: Connection[Any], source: str) -> dict[str, int]:
    """How far a source's complaints got, stage by stage (pipeline.progress.Progress)."""
    order = path()
    params = {
        "source": source,
        "unreviewed": order[: order.index(Stage.REVIEW) + 1],
        "past_evidence": order[order.index(Stage.EVIDENCE) + 1 :],
        "automated": order[:-1],
        "parties": order[-1],
        "manual_review": Stage.MANUAL_REVIEW,
    }
    row = one(conn, "pipeline_progress", params)
    assert row is not None
    return {k: int(v) for k, v in row.items()}


def by_status_and_category(conn: Connection[Any], source: str) -> list[tuple[str, str, int]]:
    rows = every(conn, "summary_by_status_category", {"source": source})
    return [(r["status"], r["category"], int(r["n"])) for r in rows]


def rejections(conn: Connection[Any], source: str) -> list[tuple[str, int]]:
    rows = every(conn, "summary_rejections", {"source": source})
    return [(r["rejection_reason"], int(r["n"])) for r in rows]


def verdicts(conn: Connection[Any], source: str) -> list[tuple[str, int]]:
    rows = every(conn, "summary_verdicts", {"source": source})
    return [(r["verdict"], int(r["n"])) for r in rows]


def example_complaint(conn: Connection[Any], source: str) -> str | None:
    """One complaint of a run for the next steps (one the merchant must answer, if any)."""
    row = one(conn, "summary_example_complaint", {"source": source})
    return str(row["id"]) if row else None


def demo_people(conn: Connection[Any], per_role: int) -> list[tuple[str, str]]:
    """(role, id): the latest complaints' buyers and the merchants with the most."""
    rows = every(conn, "console_demo_people", {"n": per_role})
    return [(r["role"], r["id"]) for r in rows]
