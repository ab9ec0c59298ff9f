"""Intake: persist valid complaint.v1 messages once per (source, external_id) (and per
Idempotency-Key) and start their review; keep invalid ones in quarantine with the errors.

Accepting is set-based: a batch of complaints is written by one statement, whatever its
size, from rows built by the store's own builders (the step every stage applies, its clock,
its outbox messages)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from uuid import uuid4

from pydantic import ValidationError

from pipeline.db import clocks, complaints, evidence_items
from pipeline.db.json_rows import json_rows
from pipeline.db.outbox import Message, outbox_params
from pipeline.db.step_rows import message
from pipeline.db.store import Complaint, Store
from pipeline.domain.stages import job_at
from pipeline.domain.status import Role, Stage, Status
from pipeline.domain.transitions import Event
from schemas.complaint import ComplaintV1, field_errors, parse_complaint

Outcome = Literal["accepted", "replayed", "conflict", "invalid"]


@dataclass(frozen=True)
class IntakeResult:
    outcome: Outcome
    complaint_id: str | None = None
    errors: tuple[dict[str, Any], ...] = ()
    status: str | None = None


def _received_row(
    cid: str, c: ComplaintV1, key: str | None, fingerprint: str, now: datetime
) -> dict[str, Any]:
    """The complaint as it arrives, before intake's step (`received`, version 0)."""
    o = c.order
    return {
        "id": cid,
        "source": c.source,
        "external_id": c.external_id,
        "idempotency_key": key,
        "payload_sha256": fingerprint,
        "category": c.category,
        "buyer_id": c.buyer_id,
        "merchant_id": c.merchant_id,
        "order_id": o.order_id,
        "item_id": o.item_id,
        "sku": o.sku,
        "order_amount_cents": o.amount_cents,
        "currency": o.currency,
        "paid_at": o.paid_at,
        "delivered_at": o.delivered_at,
        "submitted_at": c.submitted_at,
        "title": c.title,
        "description": c.description,
        "requested_remedy": c.requested_remedy,
        "claimed_amount_cents": c.claimed_amount_cents,
        "parent_id": str(c.parent_id) if c.parent_id else None,
        "status": Status.RECEIVED,
        "stage": Stage.INTAKE,
        "version": 0,
        "chain_head": None,
        "suspended_from": None,
        "rejection_reason": None,
        "created_at": now,
    }


def _unknown_parents(store: Store, items: Sequence[tuple[ComplaintV1, str | None]]) -> set[str]:
    parents = {str(c.parent_id) for c, _ in items if c.parent_id}
    if not parents:
        return set()
    return parents - complaints.existing_ids(store, list(parents))


UNKNOWN_PARENT = IntakeResult(
    "invalid",
    errors=(
        {
            "path": "parent_id",
            "rule": "unknown_complaint",
            "message": "parent_id names no complaint",
        },
    ),
)


Submission = tuple[ComplaintV1, str | None]  # a complaint and its Idempotency-Key


def accept(
    store: Store, items: Sequence[Submission], message_id: str | None = None
) -> list[IntakeResult]:
    """Accept (complaint, idempotency key) pairs, one or a batch; one result per pair, in
    order. One statement writes the whole batch; only replays and conflicts cost a lookup
    each."""
    unknown = _unknown_parents(store, items)
    results: list[IntakeResult | None] = [
        UNKNOWN_PARENT if c.parent_id and str(c.parent_id) in unknown else None for c, _ in items
    ]
    todo = [
        (i, str(uuid4()), c, key)
        for i, ((c, key), r) in enumerate(zip(items, results, strict=True))
        if r is None
    ]
    fingerprints = [c.fingerprint() for _, _, c, _ in todo]
    inserted: dict[str, Status] = {}  # id -> status after intake's step
    if todo:
        rows = IntakeRows()
        now = store.clock()
        for (_, cid, c, key), fp in zip(todo, fingerprints, strict=True):
            rows.add(store, _received_row(cid, c, key, fp, now), c, message_id)
        status = {str(r["id"]): r["status"] for r in rows.complaints}
        inserted = {cid: status[cid] for cid in complaints.accept(store, rows.params())}
    for (index, cid, complaint, key), fp in zip(todo, fingerprints, strict=True):
        if cid in inserted:
            results[index] = IntakeResult("accepted", cid, status=inserted[cid])
            continue
        found = complaints.find_existing(store, complaint.source, complaint.external_id, key)
        same = found["payload_sha256"] == fp and (found["source"], found["external_id"]) == (
            complaint.source,
            complaint.external_id,
        )
        results[index] = IntakeResult("replayed" if same else "conflict", str(found["id"]))
    store.effects.extend(
        ("transition", (Status.RECEIVED.value, s.value)) for s in inserted.values()
    )
    return [r for r in results if r is not None]


@dataclass
class IntakeRows:
    """The rows of every table intake writes, built by the store's own builders (the step,
    its event, notifications and notify message; the clock; outbox messages), for
    `accept_complaints` to insert set-based, children only for complaints it inserts."""

    complaints: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    deadlines: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)

    def add(
        self, store: Store, received: dict[str, Any], c: ComplaintV1, message_id: str | None
    ) -> None:
        step = store.step(
            Complaint.from_row(received),
            Event.INTAKE_ACCEPTED,
            stage=Stage.REVIEW,
            data={"source": c.source, "evidence_items": len(c.evidence)},
            message_id=message_id,
            at=received["created_at"],
        )
        row, cid = step.row, str(received["id"])
        clock = clocks.opening(store, row, row["status"], row["updated_at"])
        row.update(clocks.running_of(clock))
        self.complaints.append(row)
        self.events.append(step.event)
        self.notifications.extend(step.notifications)
        if clock is not None:
            self.deadlines.append(clocks.deadline_row(cid, clock))
        job = job_at(row["stage"])  # intake's step moves the complaint to review
        if job is not None:
            self.messages.append(message(job, cid))
        self.messages.extend(step.messages)
        self.evidence.extend(
            evidence_items.row(cid, pos, Role.BUYER, c.buyer_id, item)
            for pos, item in enumerate(c.evidence)
        )

    def params(self) -> dict[str, Any]:
        tables = {
            "complaints": self.complaints,
            "evidence": self.evidence,
            "events": self.events,
            "deadlines": self.deadlines,
            "notifications": self.notifications,
        }
        return {name: json_rows(rows) for name, rows in tables.items()} | outbox_params(
            self.messages
        )


def quarantine(
    store: Store,
    raw: Any,
    errors: list[dict[str, Any]],
    via: str,
    line_no: int | None = None,
    message_id: str | None = None,
) -> int | None:
    """Keep what could not be accepted, with why; never drop it. Returns the row id, or
    None for a file line or a queue message already kept (a rerun, a redelivery)."""
    text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str)
    source = raw.get("source") if isinstance(raw, dict) else None
    external_id = raw.get("external_id") if isinstance(raw, dict) else None
    kept = complaints.quarantine(
        store,
        received_via=via,
        source=source if isinstance(source, str) else None,
        external_id=external_id if isinstance(external_id, str) else None,
        raw=text.replace("\x00", "\\u0000"),
        errors=errors,
        line_no=line_no,
        message_id=message_id,
    )
    if kept is not None:
        store.effects.append(("quarantined", (via,)))
    return kept


def intake_message(store: Store, payload: Any, message_id: str | None = None) -> IntakeResult:
    """Entry for a queue message: validate, then accept or quarantine."""
    try:
        complaint = parse_complaint(payload)
    except ValidationError as exc:
        errors = field_errors(exc)
        quarantine(store, payload, errors, via="queue", message_id=message_id)
        return IntakeResult("invalid", errors=tuple(errors))
    (result,) = accept(store, [(complaint, None)], message_id)
    if result.outcome == "invalid":
        quarantine(store, payload, list(result.errors), via="queue", message_id=message_id)
    return result
