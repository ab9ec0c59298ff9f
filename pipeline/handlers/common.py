"""What the party-action handlers share: the context of one action and how a refusal is
raised (with the actions allowed now)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.db.store import Complaint
from pipeline.domain.actions import allowed_by_role
from pipeline.domain.errors import ActionRefused
from pipeline.domain.evidence_rules import ItemCheck
from pipeline.domain.status import Role
from pipeline.domain.text import Text, text
from schemas.action import ActionV1


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
