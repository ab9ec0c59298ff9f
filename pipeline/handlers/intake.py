"""Intake: persist valid complaint.v1 messages once per (source, external_id) (and per
Idempotency-Key) and start their review; keep invalid ones in quarantine with the errors.

Accepting is set-based: a batch of complaints costs a handful of pipelined statements in
one transaction, whatever its size."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import uuid4

from psycopg.types.json import Jsonb
from pydantic import ValidationError

from pipeline.db import clocks, complaints
from pipeline.db.json_rows import json_rows
from pipeline.db.store import Store
from pipeline.domain import audit
from pipeline.domain.notices import RECIPIENTS
from pipeline.domain.status import Category, Role, Stage, Status
from pipeline.domain.transitions import Event, next_status
from schemas.complaint import ComplaintV1, field_errors, parse_complaint

Outcome = Literal["accepted", "replayed", "conflict", "invalid"]


@dataclass(frozen=True)
class IntakeResult:
    outcome: Outcome
    complaint_id: str | None = None
    errors: tuple[dict[str, Any], ...] = ()
    status: str | None = None


def _complaint_row(
    cid: str, c: ComplaintV1, key: str | None, fingerprint: str, head: str, now: datetime
) -> dict[str, Any]:
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
        "status": Status.IN_REVIEW,
        "stage": Stage.REVIEW,
        "created_at": now,
        "chain_head": head,
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


def accept_many(
    store: Store,
    items: Sequence[tuple[ComplaintV1, str | None]],
    message_id: str | None = None,
) -> list[IntakeResult]:
    """Accept (complaint, idempotency key) pairs; one result per pair, in order. One
    statement inserts the whole batch; only replays and conflicts cost a lookup each."""
    step = next_status(Status.RECEIVED, Event.INTAKE_ACCEPTED, Role.SYSTEM)
    now = store.clock()
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
    inserted: set[str] = set()
    if todo:
        batch = _intake_rows(
            store,
            [(cid, c, key) for _, cid, c, key in todo],
            fingerprints,
            step.target,
            now,
            message_id,
        )
        inserted = complaints.accept(store, batch)
    for (index, cid, complaint, key), fp in zip(todo, fingerprints, strict=True):
        if cid in inserted:
            results[index] = IntakeResult("accepted", cid, status=step.target)
            continue
        found = complaints.find_existing(store, complaint.source, complaint.external_id, key)
        same = found["payload_sha256"] == fp and (found["source"], found["external_id"]) == (
            complaint.source,
            complaint.external_id,
        )
        results[index] = IntakeResult("replayed" if same else "conflict", str(found["id"]))
    store.effects.extend(
        ("transition", (Status.RECEIVED.value, step.target.value)) for _ in inserted
    )
    return [r for r in results if r is not None]


def _intake_data(c: ComplaintV1) -> dict[str, Any]:
    return {"source": c.source, "evidence_items": len(c.evidence)}


def first_event(cid: str, c: ComplaintV1, status: Status, now: Any) -> dict[str, Any]:
    """The intake event, as the audit chain hashes it."""
    return {
        "complaint_id": cid,
        "seq": 1,
        "event": Event.INTAKE_ACCEPTED,
        "from_status": Status.RECEIVED,
        "to_status": status,
        "actor_role": Role.SYSTEM,
        "actor_id": "pipeline",
        "data": _intake_data(c),
        "created_at": now,
    }


def _intake_rows(
    store: Store,
    candidates: list[tuple[str, ComplaintV1, str | None]],
    fingerprints: list[str],
    status: Status,
    now: datetime,
    message_id: str | None,
) -> dict[str, Jsonb]:
    """The rows of every table intake writes, as the JSON arrays `accept_complaints` takes."""
    event = Event.INTAKE_ACCEPTED
    Rows = list[dict[str, Any]]
    complaints: Rows = []
    evidence: Rows = []
    events: Rows = []
    deadlines: Rows = []
    notes: Rows = []
    outbox: Rows = []
    for (cid, c, key), fp in zip(candidates, fingerprints, strict=True):
        first = first_event(cid, c, status, now)
        head = audit.link(None, first)
        complaints.append(_complaint_row(cid, c, key, fp, head, now))
        events.append({**first, "message_id": message_id, "prev_hash": None, "hash": head})
        evidence.extend(
            {
                "complaint_id": cid,
                "position": pos,
                "submitted_by_role": Role.BUYER,
                "submitted_by_id": c.buyer_id,
                "key": item.key,
                "kind": item.kind,
                "content_type": item.content_type,
                "size": item.size,
                "sha256": item.sha256,
            }
            for pos, item in enumerate(c.evidence)
        )
        clock = store.policy.clock_for(status, Category(c.category), now)
        complaints[-1].update(clocks.running_of(clock))
        if clock is not None:
            deadlines.append(
                {
                    "complaint_id": cid,
                    "kind": clock.kind,
                    "party": clock.party,
                    "started_at": clock.started_at,
                    "due_at": clock.due_at,
                    "warn_at": clock.warn_at,
                }
            )
        notes.extend(
            {
                "complaint_id": cid,
                "event_seq": 1,
                "recipient_role": role,
                "recipient_id": c.buyer_id,
                "kind": event,
                "body": {
                    "complaint_id": cid,
                    "event": event,
                    "status": status,
                    "title": c.title,
                    "rejection_reason": None,
                },
            }
            for role in RECIPIENTS[event]
        )
        outbox.append(
            {
                "queue_name": "review",
                "actor_name": "review",
                "complaint_id": cid,
                "payload": {"complaint_id": cid},
            }
        )
        outbox.append(
            {
                "queue_name": "notify",
                "actor_name": "notify",
                "complaint_id": cid,
                "payload": {"complaint_id": cid, "event_seq": 1},
            }
        )
    tables = {
        "complaints": complaints,
        "evidence": evidence,
        "events": events,
        "deadlines": deadlines,
        "notifications": notes,
        "outbox": outbox,
    }
    return {name: json_rows(rows) for name, rows in tables.items()}


def accept(
    store: Store,
    complaint: ComplaintV1,
    *,
    idempotency_key: str | None = None,
    message_id: str | None = None,
) -> IntakeResult:
    return accept_many(store, [(complaint, idempotency_key)], message_id)[0]


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
    result = accept(store, complaint, message_id=message_id)
    if result.outcome == "invalid":
        quarantine(store, payload, list(result.errors), via="queue", message_id=message_id)
    return result
