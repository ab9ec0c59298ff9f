"""What the handlers share: a stage's items and how a stale one is skipped (`Item`,
`Skipped`, `expect`); for party actions, the context of one action and how a refusal is
raised (with the actions allowed now)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline.db.store import Complaint, Store
from pipeline.domain.actions import allowed_by_role
from pipeline.domain.errors import ActionRefused
from pipeline.domain.evidence_rules import ItemCheck
from pipeline.domain.status import Role, Stage, Status
from pipeline.domain.text import Text, text
from schemas.action import ActionV1


@dataclass(frozen=True)
class Item:
    """One outbox message's work inside a stage's group (pipeline.domain.stages): its
    complaint, its message id (the events it writes record it) and its payload."""

    complaint_id: str
    message_id: str | None
    payload: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, message_id: str | None, payload: Mapping[str, Any]) -> Item:
        return cls(str(payload["complaint_id"]), message_id, payload)

    def number(self, name: str) -> int:
        return int(self.payload[name])


@dataclass(frozen=True)
class Skipped:
    """A duplicate or stale delivery: acknowledged, nothing written."""

    complaint_id: str
    reason: str


def expect(store: Store, complaint_id: str, status: Status, stage: Stage) -> Complaint | Skipped:
    """Lock the complaint and check it is where this stage expects it."""
    c = store.lock(complaint_id)
    if c is None:
        return Skipped(complaint_id, "unknown complaint")
    if c.status is not status or c.stage is not stage:
        return Skipped(complaint_id, f"complaint is {c.status}/{c.stage}, not {status}/{stage}")
    return c


@dataclass(frozen=True)
class ActionContext:
    """`checked`: a dispute's evidence verdicts, read from S3 before the transaction."""

    checked: list[ItemCheck] | None
    message_id: str | None
    four_eyes_cents: int


def refuse(c: Complaint, code: str, message: str | Text) -> ActionRefused:
    return ActionRefused(code, message, allowed_by_role(c.status, c.stage))


def actor_fields(a: ActionV1, ctx: ActionContext) -> dict[str, Any]:
    return {"role": Role(a.actor.role), "actor_id": a.actor.id, "message_id": ctx.message_id}


def within_order(c: Complaint, *amounts: int | None) -> None:
    for amount in amounts:
        if amount is not None and amount > c.order_amount_cents:
            raise refuse(
                c,
                "amount_exceeds_order",
                text(
                    "amount {amount} exceeds the order amount {order}",
                    amount=amount,
                    order=c.order_amount_cents,
                ),
            )
