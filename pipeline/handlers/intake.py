"""Intake: persist a valid complaint.v1 once per (source, external_id) and start review;
keep an invalid one in quarantine with its errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from psycopg.types.json import Jsonb
from pydantic import ValidationError

from pipeline.db.store import Store
from pipeline.domain.status import Role, Stage
from pipeline.domain.transitions import Event
from schemas.complaint import ComplaintV1, field_errors, parse_complaint

Outcome = Literal["accepted", "replayed", "conflict", "invalid"]


@dataclass(frozen=True)
class IntakeResult:
    outcome: Outcome
    complaint_id: str | None = None
    errors: tuple[dict[str, Any], ...] = ()


def accept(
    store: Store,
    complaint: ComplaintV1,
    *,
    idempotency_key: str | None = None,
    message_id: str | None = None,
) -> IntakeResult:
    fingerprint = complaint.fingerprint()
    order = complaint.order
    inserted = store.one(
        "insert_complaint",
        {
            "source": complaint.source,
            "external_id": complaint.external_id,
            "idempotency_key": idempotency_key,
            "payload_sha256": fingerprint,
            "category": complaint.category,
            "buyer_id": complaint.buyer_id,
            "merchant_id": complaint.merchant_id,
            "order_id": order.order_id,
            "item_id": order.item_id,
            "sku": order.sku,
            "order_amount_cents": order.amount_cents,
            "currency": order.currency,
            "paid_at": order.paid_at,
            "delivered_at": order.delivered_at,
            "submitted_at": complaint.submitted_at,
            "title": complaint.title,
            "description": complaint.description,
            "requested_remedy": complaint.requested_remedy,
            "claimed_amount_cents": complaint.claimed_amount_cents,
            "parent_id": complaint.parent_id,
        },
    )
    if inserted is None:
        existing = store.one(
            "find_by_external_id",
            {"source": complaint.source, "external_id": complaint.external_id},
        )
        assert existing is not None
        same = existing["payload_sha256"] == fingerprint
        return IntakeResult("replayed" if same else "conflict", str(existing["id"]))
    complaint_id = str(inserted["id"])
    for position, item in enumerate(complaint.evidence):
        store.run(
            "insert_evidence",
            {
                "complaint_id": complaint_id,
                "position": position,
                "role": Role.BUYER,
                "submitter_id": complaint.buyer_id,
                "key": item.key,
                "kind": item.kind,
                "content_type": item.content_type,
                "size": item.size,
                "sha256": item.sha256,
            },
        )
    row = store.lock(complaint_id)
    assert row is not None
    store.apply(
        row,
        Event.INTAKE_ACCEPTED,
        stage=Stage.REVIEW,
        message_id=message_id,
        data={"source": complaint.source, "evidence_items": len(complaint.evidence)},
    )
    store.enqueue("review", "review", complaint_id)
    return IntakeResult("accepted", complaint_id)


def quarantine(
    store: Store, raw: Any, errors: list[dict[str, Any]], via: str, line_no: int | None = None
) -> int:
    """Keep what could not be accepted, with why; never drop it."""
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
    assert row is not None
    return int(row["id"])


def intake_message(store: Store, payload: Any, message_id: str | None = None) -> IntakeResult:
    """Entry for a queue message: validate, then accept or quarantine."""
    try:
        complaint = parse_complaint(payload)
    except ValidationError as exc:
        errors = field_errors(exc)
        quarantine(store, payload, errors, via="queue")
        return IntakeResult("invalid", errors=tuple(errors))
    return accept(store, complaint, message_id=message_id)
