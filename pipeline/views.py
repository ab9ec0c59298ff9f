"""What parties see: the complaint view (docs/contracts.md, section 8), its timeline, the
merchant scorecard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from pipeline.db import complaints, deadlines, events, evidence_items, merchants, payments
from pipeline.db.complaints import Complaint
from pipeline.domain.actions import allowed_by_role
from pipeline.domain.errors import NotFound
from pipeline.domain.evidence_rules import unmet_requirements
from pipeline.domain.sla import CLOCKS
from pipeline.domain.status import EvidenceKind, Status, Verdict
from pipeline.domain.text import text


def _clock(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    paused = row["state"] == "paused"
    reference = row["paused_at"] if paused else now
    return {
        "kind": row["kind"],
        "party": row["party"],
        "due_at": row["due_at"].isoformat(),
        "remaining_seconds": int((row["due_at"] - reference).total_seconds()),
        "paused": paused,
        "warned": row["warned_at"] is not None,
    }


def _claim(c: Complaint, now: datetime) -> dict[str, Any] | None:
    """The staff member working the complaint and until when (a lapsed lease: nobody)."""
    if c.claimed_by is None or c.claim_expires_at is None or c.claim_expires_at <= now:
        return None
    return {"holder": c.claimed_by, "lease_expires_at": c.claim_expires_at.isoformat()}


def _payment(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """The latest refund instructed through the payments port, and its answer."""
    if row is None:
        return None
    times = ("created_at", "published_at", "answered_at")
    return {k: (v.isoformat() if k in times and v is not None else v) for k, v in row.items()}


def complaint_view(
    conn: psycopg.Connection[Any], complaint_id: str, now: datetime
) -> dict[str, Any]:
    c = complaints.get(conn, complaint_id)
    if c is None:
        raise NotFound(text("no complaint {id}", id=complaint_id))
    items = evidence_items.of(conn, complaint_id)
    clocks = deadlines.live_clocks(conn, complaint_id)
    supervision = merchants.supervision_of(conn, c.merchant_id)
    payment = payments.latest(conn, complaint_id)
    status, stage = c.status, c.stage
    ok_kinds = [
        EvidenceKind(i["kind"])
        for i in items
        if i["verdict"] == Verdict.OK and i["submitted_by_role"] == "buyer"
    ]
    checked = any(i["verdict"] is not None for i in items) or status is not Status.IN_REVIEW
    return {
        "id": c.id,
        "source": c.source,
        "external_id": c.external_id,
        "status": status.value,
        "stage": stage.value,
        "category": c.category.value,
        "title": c.title,
        "description": c.description,
        "escalation_level": c.escalation_level,
        "rejection_reason": c.rejection_reason,
        "duplicate_of": c.duplicate_of,
        "evidence": [
            {
                "key": i["key"],
                "kind": i["kind"],
                "submitted_by": i["submitted_by_role"],
                "verdict": i["verdict"],
                "detail": i["detail"],
            }
            for i in items
        ],
        "missing_required": unmet_requirements(c.category, ok_kinds) if checked else [],
        "clocks": [_clock(r, now) for r in clocks],
        "waiting_on": c.waiting_on,
        "claim": _claim(c, now),
        "allowed_actions": allowed_by_role(status, stage),
        "remedy": c.remedy,
        "outcome": c.outcome,
        "payment": _payment(payment),
        "case_id": c.case_id,
        "merchant_supervised": supervision is not None and supervision["lifted_at"] is None,
        "parent_id": c.parent_id,
        "chain_head": c.chain_head,
        "created_at": c.created_at.isoformat(),
        "updated_at": c.updated_at.isoformat(),
    }


def timeline(
    conn: psycopg.Connection[Any], complaint_id: str, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """The ordered events: every transition, message, remedy and decision."""
    rows = events.timeline(conn, complaint_id, limit, offset)
    return [{**r, "created_at": r["created_at"].isoformat()} for r in rows]


def merchant_scorecard(
    conn: psycopg.Connection[Any], since: datetime, top: int = 20, merchant_id: str | None = None
) -> list[dict[str, Any]]:
    """Merchants by complaints received since `since` (or only `merchant_id`)."""
    window = CLOCKS[Status.AWAITING_MERCHANT].window
    return merchants.scorecard(conn, since, top, window, merchant_id)


def one_merchant_scorecard(
    conn: psycopg.Connection[Any], merchant_id: str, since: datetime
) -> dict[str, Any]:
    """The scorecard of one merchant; zeros when nothing was dispatched to it since then."""
    rows = merchant_scorecard(conn, since, 1, merchant_id)
    if rows:
        return rows[0]
    standing = merchants.standing(conn, merchant_id)
    return {
        "merchant_id": merchant_id,
        "received": 0,
        "per_1000_orders": None,
        "answered": 0,
        "answered_in_time_share": None,
        "median_response_seconds": None,
        "buyer_wins": 0,
        "partial": 0,
        "merchant_wins": 0,
        "sla_breaches": standing["sla_breaches"] if standing else 0,
        "penalty_points": standing["penalty_points"] if standing else 0,
    }


__all__ = ["complaint_view", "merchant_scorecard", "one_merchant_scorecard", "timeline"]
