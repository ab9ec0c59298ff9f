"""Party actions (merchant, buyer, platform) in one transaction each, idempotent on the
action's key; a refused action raises ActionRefused and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pipeline.db import actions
from pipeline.db.store import Complaint, Store
from pipeline.domain.actions import (
    ACTION_EVENTS,
    FOLLOWUP_FROM,
    FOUR_EYES_AMOUNT_CENTS,
    STAGE_GUARD,
)
from pipeline.domain.errors import (
    ActionRefused,
    ForbiddenActor,
    IdempotencyConflict,
    IllegalTransition,
)
from pipeline.domain.evidence_rules import ItemCheck
from pipeline.domain.status import Stage, Status
from pipeline.domain.text import text
from pipeline.domain.transitions import Event
from pipeline.handlers import (
    appeals,
    intake,
    offers,
    party_evidence,
    payments,
    returns,
    time_requests,
)
from pipeline.handlers.claims import live_holder
from pipeline.handlers.common import ActionContext, actor_fields, refuse
from pipeline.handlers.decisions import approve_decision, decide
from schemas.action import ActionV1
from schemas.action_names import ActionName


@dataclass(frozen=True)
class ActionResult:
    complaint_id: str
    status: Status
    followup_id: str | None = None
    replayed: bool = False

    def kept(self) -> dict[str, Any]:
        """What the idempotency ledger keeps to answer a replay."""
        return {"status": self.status.value, "followup_id": self.followup_id}


#: Who sent an action that came over the queue (upstream systems), for the ledger.
QUEUE_CALLER = "queue"


def authorise(c: Complaint, a: ActionV1) -> None:
    owner = {"buyer": c.buyer_id, "merchant": c.merchant_id}.get(a.actor.role)
    if owner is not None and owner != a.actor.id:
        raise ActionRefused(
            "not_your_complaint",
            text("{role} {id} is not a party to this complaint", role=a.actor.role, id=a.actor.id),
        )


def handle_action(
    store: Store,
    a: ActionV1,
    checked: list[ItemCheck] | None = None,
    message_id: str | None = None,
    caller: str = QUEUE_CALLER,
    four_eyes_cents: int = FOUR_EYES_AMOUNT_CENTS,
) -> ActionResult:
    """`checked`: verdicts for a dispute's evidence, computed against S3 before the call;
    `caller`: who sent it (its idempotency keys are its own)."""
    c = store.lock(a.complaint_id)  # the row lock also serialises duplicate deliveries
    if c is None:
        raise ActionRefused("not_found", text("no complaint {id}", id=a.complaint_id))
    replay = _record(store, c, a, caller)
    if replay is not None:
        return replay
    authorise(c, a)
    holder = live_holder(c.row, store.clock()) if a.actor.role == "platform" else None
    if holder is not None and holder != a.actor.id:
        raise refuse(
            c, "claimed_by_another", text("{holder} holds this complaint's claim", holder=holder)
        )
    if a.action is ActionName.BUYER_FILE_FOLLOWUP:
        followup = _file_followup(store, c, a)
        _keep(store, a, caller, followup, None)
        return followup
    if STAGE_GUARD.get(a.action, c.stage) is not c.stage:
        needs = text("{action} needs stage {stage}", action=a.action, stage=STAGE_GUARD[a.action])
        raise refuse(c, "not_allowed_now", needs)
    apply_action: Apply = APPLY.get(a.action, _plain)
    try:
        after = apply_action(store, c, a, ActionContext(checked, message_id, four_eyes_cents))
    except (IllegalTransition, ForbiddenActor) as exc:
        raise refuse(c, "not_allowed_now", exc.text) from None
    result = ActionResult(after.id, after.status)
    _keep(store, a, caller, result, after.version)
    return result


def _request(a: ActionV1) -> dict[str, Any]:
    return {k: v for k, v in a.payload.items() if k != "idempotency_key"}


def _record(store: Store, c: Complaint, a: ActionV1, caller: str) -> ActionResult | None:
    """Claim the caller's key for this request; a replay answers the kept result, another
    request under the same key is refused with what differs."""
    request = _request(a)
    claimed = actions.claim(
        store,
        caller=caller,
        key=a.idempotency_key,
        complaint_id=a.complaint_id,
        action=a.action,
        role=a.actor.role,
        actor_id=a.actor.id,
        request=request,
    )
    if claimed:
        return None
    kept = actions.recorded(store, caller, a.idempotency_key)
    assert kept is not None  # the conflicting row is committed: rows are never deleted
    before = kept.request or {
        "complaint_id": kept.complaint_id,
        "action": kept.action,
        "actor": {"role": kept.actor_role, "id": kept.actor_id},
    }
    differ = sorted(k for k in {*before, *request} if before.get(k) != request.get(k))
    if kept.request is None:  # kept before requests were: only the envelope compares
        differ = [k for k in differ if k in before]
    if differ:
        raise IdempotencyConflict(
            a.idempotency_key,
            [
                {"path": k, "rule": "differs_from_first_use", "message": f"{k} differs"}
                for k in differ
            ],
        )
    result = kept.result or {"status": c.status.value}
    return ActionResult(
        a.complaint_id, Status(result["status"]), result.get("followup_id"), replayed=True
    )


def _keep(store: Store, a: ActionV1, caller: str, result: ActionResult, seq: int | None) -> None:
    actions.keep_result(store, caller, a.idempotency_key, seq, result.kept())


def _plain(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    data = {"text": a.text} if a.text else {}
    return store.apply(c, ACTION_EVENTS[a.action], data=data, **actor_fields(a, ctx))


def _suspend(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    return store.apply(
        c, Event.SUSPEND, suspended_from=c.status, data={"text": a.text}, **actor_fields(a, ctx)
    )


def _resume(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    return store.apply(
        c, Event.RESUME, suspended_from=None, data={"text": a.text}, **actor_fields(a, ctx)
    )


def _approve(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    return store.advance(c, Event.REVIEW_APPROVED, to=Stage.EVIDENCE, **actor_fields(a, ctx))


def _reject_review(store: Store, c: Complaint, a: ActionV1, ctx: ActionContext) -> Complaint:
    return store.apply(
        c,
        Event.REVIEW_REJECTED_BY_PLATFORM,
        rejection_reason=a.reason,
        data={"reason": a.reason},
        **actor_fields(a, ctx),
    )


def _file_followup(store: Store, parent: Complaint, a: ActionV1) -> ActionResult:
    if parent.status not in FOLLOWUP_FROM:
        raise refuse(
            parent,
            "not_allowed_now",
            text(
                "a follow-up needs the complaint resolved or closed, not {status}",
                status=parent.status.value,
            ),
        )
    followup = a.complaint
    assert followup is not None
    if followup.buyer_id != parent.buyer_id:
        raise refuse(
            parent, "not_your_complaint", text("a follow-up must come from the same buyer")
        )
    if (followup.order.order_id, followup.merchant_id) != (
        parent.order_id,
        parent.merchant_id,
    ):
        raise refuse(parent, "followup_mismatch", text("a follow-up must be about the same order"))
    (result,) = intake.accept(
        store, [(followup.model_copy(update={"parent_id": UUID(parent.id)}), None)]
    )
    if result.outcome == "conflict":
        raise refuse(parent, "conflict", text("external_id already used with another body"))
    return ActionResult(parent.id, parent.status, followup_id=result.complaint_id)


Apply = Callable[[Store, Complaint, ActionV1, ActionContext], Complaint]
APPLY: dict[ActionName, Apply] = {
    ActionName.MERCHANT_ACCEPT: offers.accept,
    ActionName.MERCHANT_REVISE_OFFER: offers.revise,
    ActionName.MERCHANT_ACCEPT_COUNTER: offers.accept_counter,
    ActionName.MERCHANT_DISPUTE: party_evidence.dispute,
    ActionName.BUYER_SUPPLY_EVIDENCE: party_evidence.supply,
    ActionName.BUYER_ACCEPT_OFFER: offers.accept_offer,
    ActionName.BUYER_COUNTER_OFFER: offers.counter,
    ActionName.BUYER_APPEAL: appeals.buyer_appeal,
    ActionName.MERCHANT_APPEAL: appeals.merchant_appeal,
    ActionName.MERCHANT_REMEDY_EXECUTED: payments.executed,
    ActionName.PLATFORM_REFUND_SETTLED: payments.settled,
    ActionName.PLATFORM_REFUND_FAILED: payments.failed,
    ActionName.BUYER_SHIP_RETURN: returns.ship,
    ActionName.MERCHANT_DISPUTE_RECEIPT: returns.dispute_receipt,
    ActionName.MERCHANT_REQUEST_EXTENSION: time_requests.request_extension,
    ActionName.BUYER_GRANT_EXTENSION: time_requests.grant_extension,
    ActionName.PLATFORM_GRANT_EXTENSION: time_requests.grant_extension,
    ActionName.BUYER_REFUSE_EXTENSION: time_requests.refuse_extension,
    ActionName.PLATFORM_REFUSE_EXTENSION: time_requests.refuse_extension,
    ActionName.PLATFORM_REQUEST_INFORMATION: time_requests.request_information,
    ActionName.BUYER_PROVIDE_INFORMATION: time_requests.provide_information,
    ActionName.MERCHANT_PROVIDE_INFORMATION: time_requests.provide_information,
    ActionName.PLATFORM_DECIDE: decide,
    ActionName.PLATFORM_APPROVE_DECISION: approve_decision,
    ActionName.PLATFORM_SUSPEND: _suspend,
    ActionName.PLATFORM_RESUME: _resume,
    ActionName.PLATFORM_APPROVE_REVIEW: _approve,
    ActionName.PLATFORM_REJECT_REVIEW: _reject_review,
}


def record_refusal(
    store: Store, payload: Any, exc: ActionRefused, message_id: str | None = None
) -> int | None:
    """Keep a refused queued action with its reason (it changed nothing else)."""
    errors = [{"path": "action", "rule": exc.code, "message": str(exc), "allowed": exc.allowed}]
    return intake.quarantine(store, payload, errors, via="queue", message_id=message_id)
