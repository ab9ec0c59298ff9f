"""Money leaves through a port (DESIGN §8): carrying out a remedy that pays the buyer writes
a payment instruction and its `refund.instructed` event in the step's transaction; a
message through the outbox publishes it to the payments port. Only the payment system's
answer, `refund.settled` (resolved) or `refund.failed` (back to the remedy), moves the
complaint on. The platform's execution after a merchant's breach goes the same way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.adapters.payments import PaymentPort
from pipeline.db import clocks, payments
from pipeline.db.store import Complaint, Store
from pipeline.domain.money import payment_due
from pipeline.domain.stages import Job
from pipeline.domain.status import Role
from pipeline.domain.text import text
from pipeline.domain.transitions import Event
from pipeline.handlers import governance
from pipeline.handlers.common import ActionContext, Item, Skipped, actor_fields, refuse
from schemas.action import ActionV1


def _instruct(store: Store, c: Complaint, executed_by: Role, **step: Any) -> Complaint | None:
    """The instruction for the money the outcome moves, or None when it moves none."""
    due = payment_due(c.outcome or {}, c.order_amount_cents)
    if due is None:
        return None
    n = payments.count(store, c.id)
    key = f"refund:{c.id}:{n + 1}"
    instruction = {
        "idempotency_key": key,
        "complaint_id": c.id,
        "amount_cents": due.amount_cents,
        "compensation_cents": due.compensation_cents,
        "currency": c.currency,
        "order_id": c.order_id,
        "buyer_id": c.buyer_id,
        "merchant_id": c.merchant_id,
        "executed_by": executed_by,
    }
    payments.instruct(store, instruction, store.clock())
    store.enqueue(Job.PUBLISH_PAYMENT, c, idempotency_key=key)
    data = {k: v for k, v in instruction.items() if k not in ("complaint_id", "buyer_id")}
    return store.apply(c, Event.REFUND_INSTRUCTED, data=data, **step)


def executed(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    """merchant.remedy_executed: a remedy in kind is done; money goes through the port."""
    who = actor_fields(a, ctx)
    instructed = _instruct(store, c, Role.MERCHANT, **who)
    if instructed is not None:
        return instructed
    data = {"text": a.text} if a.text else {}
    return store.apply(c, Event.REMEDY_EXECUTED, data=data, **who)


def remedy_breached(store: Store, c: Complaint, data: dict[str, Any], mid: str | None) -> Complaint:
    """The merchant let its remedy clock run out: a penalty point, and the platform carries
    the remedy out."""
    store.bump_merchant(c.merchant_id, breaches=1, penalty=1)
    governance.penalise(store, c, "merchant_remedy_deadline")
    breached = store.apply(
        c, Event.SLA_REMEDY_BREACHED, data={**data, "executed_by": "platform"}, message_id=mid
    )
    instructed = _instruct(store, breached, Role.PLATFORM, message_id=mid)
    if instructed is not None:
        return instructed
    return store.apply(breached, Event.PLATFORM_EXECUTED, data={}, message_id=mid)


def _pending(store: Store, c: Complaint, a: ActionV1) -> dict[str, Any] | None:
    """The instruction this answer is about; None when it was answered already."""
    named = a.settlement.instruction if a.settlement is not None else None
    latest = payments.latest(store, c.id)
    if named is not None and (latest is None or named != latest["idempotency_key"]):
        unknown = text("{id} is not this complaint's pending refund", id=named)
        raise refuse(c, "unknown_instruction", unknown)
    if latest is None:
        raise refuse(c, "no_pending_refund", text("no refund was instructed for this complaint"))
    if latest["state"] != "instructed":
        if named is not None:  # the payment system answered this one already: a repeat
            return None
        raise refuse(c, "no_pending_refund", text("the latest refund was answered already"))
    return latest


def _answer(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext, event: Event) -> Complaint:
    pending = _pending(store, c, a)
    if pending is None:
        return c
    s = a.settlement
    reference = s.reference if s is not None else None
    failure = s.reason if s is not None else None
    state = "settled" if event is Event.REFUND_SETTLED else "failed"
    payments.answer(store, pending["idempotency_key"], state, reference, failure, store.clock())
    data = {"idempotency_key": pending["idempotency_key"], "reference": reference}
    if failure:
        data["reason"] = failure
    return store.apply(c, event, data=data, **actor_fields(a, ctx))


def settled(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    return _answer(store, c, a, ctx, Event.REFUND_SETTLED)


def failed(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    return _answer(store, c, a, ctx, Event.REFUND_FAILED)


def settlement_overdue(
    store: Store, c: Complaint, data: dict[str, Any], mid: str | None
) -> Complaint:
    """No answer from the payment system in time: one level up, the platform is told, and
    a fresh clock runs."""
    level = c.escalation_level + 1
    after = store.apply(
        c,
        Event.SLA_SETTLEMENT_OVERDUE,
        escalation_level=level,
        data={**data, "level": level},
        message_id=mid,
    )
    clocks.start(store, after.row, after.status, store.clock())
    return after


def publish(
    store: Store, port: PaymentPort, items: Sequence[Item]
) -> list[dict[str, Any] | Skipped]:
    """Hand the items' instructions to the port (again, if a crash lost the mark: at least
    once; the payment system dedupes on the idempotency key)."""
    return [_publish(store, port, str(item.payload["idempotency_key"])) for item in items]


def _publish(store: Store, port: PaymentPort, key: str) -> dict[str, Any] | Skipped:
    row = payments.get(store, key)
    if row is None:
        return Skipped(key, "no such payment instruction")
    event = {
        "type": "refund.instructed",
        "idempotency_key": key,
        "complaint_id": str(row["complaint_id"]),
        "order_id": row["order_id"],
        "merchant_id": row["merchant_id"],
        "buyer_id": row["buyer_id"],
        "amount_cents": row["amount_cents"],
        "compensation_cents": row["compensation_cents"],
        "currency": row["currency"],
        "executed_by": row["executed_by"],
        "instructed_at": row["created_at"].isoformat(),
    }
    port.publish(event)
    payments.mark_published(store, key, store.clock())
    return event
