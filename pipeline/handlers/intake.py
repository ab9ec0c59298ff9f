"""Intake: persist valid complaint.v1 messages once per (source, external_id) (and per
Idempotency-Key) and start their review; keep invalid ones in quarantine with the errors.

Accepting is set-based: a batch of complaints costs a handful of pipelined statements in
one transaction, whatever its size."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from uuid import uuid4

from psycopg.types.json import Jsonb
from pydantic import ValidationError

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


def _row(c: ComplaintV1, key: str | None, fingerprint: str, now: Any) -> dict[str, Any]:
    o = c.order
    return {
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
        "now": now,
    }


def accept_many(
    store: Store,
    items: Sequence[tuple[ComplaintV1, str | None]],
    message_id: str | None = None,
) -> list[IntakeResult]:
    """Accept (complaint, idempotency key) pairs; one result per pair, in order."""
    step = next_status(Status.RECEIVED, Event.INTAKE_ACCEPTED, Role.SYSTEM)
    now = store.clock()
    parents = {str(c.parent_id) for c, _ in items if c.parent_id}
    known = {str(r["id"]) for r in store.all("existing_ids", {"ids": list(parents)})}
    unknown = IntakeResult(
        "invalid",
        errors=(
            {
                "path": "parent_id",
                "rule": "unknown_complaint",
                "message": "parent_id names no complaint",
            },
        ),
    )
    results: list[IntakeResult | None] = [
        unknown if c.parent_id and str(c.parent_id) not in known else None for c, _ in items
    ]
    todo = [
        (i, c, key) for i, ((c, key), r) in enumerate(zip(items, results, strict=True)) if r is None
    ]
    fingerprints = [c.fingerprint() for _, c, _ in todo]
    rows = []
    for (_, c, key), fp in zip(todo, fingerprints, strict=True):
        generated = str(uuid4())
        head = audit.link(None, first_event(generated, c, step.target, now))
        rows.append({**_row(c, key, fp, now), "id": generated, "chain_head": head})
    ids = store.insert_returning("insert_complaint", rows) if rows else []
    fresh: list[tuple[str, ComplaintV1]] = []
    for (index, complaint, key), fp, new_id in zip(todo, fingerprints, ids, strict=True):
        if new_id is not None:
            fresh.append((new_id, complaint))
            results[index] = IntakeResult("accepted", new_id, status=step.target)
            continue
        found = store.one(
            "find_existing",
            {
                "source": complaint.source,
                "external_id": complaint.external_id,
                "idempotency_key": key,
            },
        )
        assert found is not None
        same = found["payload_sha256"] == fp and (found["source"], found["external_id"]) == (
            complaint.source,
            complaint.external_id,
        )
        results[index] = IntakeResult("replayed" if same else "conflict", str(found["id"]))
    if fresh:
        _start_review(store, fresh, step.target, now, message_id)
        store.effects.extend(
            ("transition", (Status.RECEIVED.value, step.target.value)) for _ in fresh
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


def _start_review(
    store: Store,
    fresh: list[tuple[str, ComplaintV1]],
    status: Status,
    now: Any,
    message_id: str | None,
) -> None:
    event = Event.INTAKE_ACCEPTED
    store.many(
        "insert_evidence",
        [
            {
                "complaint_id": cid,
                "position": pos,
                "role": Role.BUYER,
                "submitter_id": c.buyer_id,
                "key": item.key,
                "kind": item.kind,
                "content_type": item.content_type,
                "size": item.size,
                "sha256": item.sha256,
            }
            for cid, c in fresh
            for pos, item in enumerate(c.evidence)
        ],
    )
    store.many(
        "insert_event",
        [
            {
                **first_event(cid, c, status, now),
                "data": Jsonb(_intake_data(c)),
                "message_id": message_id,
                "now": now,
                "prev_hash": None,
                "hash": audit.link(None, first_event(cid, c, status, now)),
            }
            for cid, c in fresh
        ],
    )
    clocks = [(cid, store.policy.clock_for(status, Category(c.category), now)) for cid, c in fresh]
    store.many(
        "open_deadline",
        [
            {
                "complaint_id": cid,
                "kind": k.kind,
                "party": k.party,
                "started_at": k.started_at,
                "due_at": k.due_at,
                "warn_at": k.warn_at,
            }
            for cid, k in clocks
            if k is not None
        ],
    )
    store.many(
        "insert_notification",
        [
            {
                "complaint_id": cid,
                "event_seq": 1,
                "recipient_role": role,
                "recipient_id": c.buyer_id,
                "kind": event,
                "body": Jsonb(
                    {
                        "complaint_id": cid,
                        "event": event,
                        "status": status,
                        "title": c.title,
                        "rejection_reason": None,
                    }
                ),
            }
            for cid, c in fresh
            for role in RECIPIENTS[event]
        ],
    )
    store.many(
        "insert_outbox",
        [
            row
            for cid, _ in fresh
            for row in (
                {
                    "queue_name": "review",
                    "actor_name": "review",
                    "complaint_id": cid,
                    "payload": Jsonb({"complaint_id": cid}),
                },
                {
                    "queue_name": "notify",
                    "actor_name": "notify",
                    "complaint_id": cid,
                    "payload": Jsonb({"complaint_id": cid, "event_seq": 1}),
                },
            )
        ],
    )


def accept(
    store: Store,
    complaint: ComplaintV1,
    *,
    idempotency_key: str | None = None,
    message_id: str | None = None,
) -> IntakeResult:
    return accept_many(store, [(complaint, idempotency_key)], message_id)[0]


def quarantine(
    store: Store, raw: Any, errors: list[dict[str, Any]], via: str, line_no: int | None = None
) -> int | None:
    """Keep what could not be accepted, with why; never drop it. Returns the row id, or
    None for a file line already kept by an earlier run."""
    text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str)
    source = raw.get("source") if isinstance(raw, dict) else None
    external_id = raw.get("external_id") if isinstance(raw, dict) else None
    row = store.one(
        "insert_quarantine",
        {
            "received_via": via,
            "source": source if isinstance(source, str) else None,
            "external_id": external_id if isinstance(external_id, str) else None,
            "raw": text.replace("\x00", "\\u0000"),
            "errors": Jsonb(errors),
            "line_no": line_no,
        },
    )
    if row:
        store.effects.append(("quarantined", (via,)))
    return int(row["id"]) if row else None


def intake_message(store: Store, payload: Any, message_id: str | None = None) -> IntakeResult:
    """Entry for a queue message: validate, then accept or quarantine."""
    try:
        complaint = parse_complaint(payload)
    except ValidationError as exc:
        errors = field_errors(exc)
        quarantine(store, payload, errors, via="queue")
        return IntakeResult("invalid", errors=tuple(errors))
    result = accept(store, complaint, message_id=message_id)
    if result.outcome == "invalid":
        quarantine(store, payload, list(result.errors), via="queue")
    return result
