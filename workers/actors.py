"""One thin actor per stage: decode, call the handler in a unit of work, log, return."""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage

from pipeline.domain.errors import ActionRefused
from pipeline.handlers.actions import handle_action, record_refusal
from pipeline.handlers.dispatch import handle_dispatch, handle_route
from pipeline.handlers.evidence import check_item, handle_evidence
from pipeline.handlers.intake import intake_message, quarantine
from pipeline.handlers.notify import handle_notify
from pipeline.handlers.review import Skipped, handle_review
from pipeline.handlers.sla import handle_breach, handle_warning
from pipeline.logging import get_logger
from schemas.action import InvalidMessage, parse_action
from workers.broker import broker  # noqa: F401  (sets the broker before actors are declared)
from workers.runtime import runtime

log = get_logger("workers.actors")


def _message_id() -> str | None:
    message = CurrentMessage.get_current_message()
    return message.message_id if message else None


def _done(result: object) -> None:
    if isinstance(result, Skipped):
        log.info("message skipped", reason=result.reason)
    else:
        log.debug("stage done")


@dramatiq.actor(queue_name="intake")
def intake(payload: Any) -> None:
    rt = runtime()
    with rt.uow() as store:
        result = intake_message(store, payload, message_id=_message_id())
    log.info(
        "intake",
        outcome=result.outcome,
        complaint_id=result.complaint_id,
        errors=len(result.errors),
    )


@dramatiq.actor(queue_name="review")
def review(complaint_id: str) -> None:
    rt = runtime()
    with rt.uow() as store:
        _done(handle_review(store, complaint_id, rt.settings, message_id=_message_id()))


@dramatiq.actor(queue_name="evidence")
def evidence(complaint_id: str) -> None:
    rt = runtime()
    _done(handle_evidence(rt.uow, rt.evidence, complaint_id, message_id=_message_id()))


@dramatiq.actor(queue_name="route")
def route(complaint_id: str) -> None:
    rt = runtime()
    with rt.uow() as store:
        _done(handle_route(store, complaint_id, message_id=_message_id()))


@dramatiq.actor(queue_name="handle.other")  # the relay sends each to its category's queue
def dispatch(complaint_id: str) -> None:
    rt = runtime()
    with rt.uow() as store:
        _done(handle_dispatch(store, complaint_id, message_id=_message_id()))


@dramatiq.actor(queue_name="notify")
def notify(complaint_id: str, event_seq: int) -> None:
    rt = runtime()
    with rt.uow() as store:
        delivered = handle_notify(store, rt.notifier, complaint_id, event_seq)
    log.debug("notifications delivered", count=delivered)


@dramatiq.actor(queue_name="actions")
def act(payload: Any) -> None:
    """A party action (action.v1). Invalid or refused actions are kept with their reason."""
    rt = runtime()
    try:
        action = parse_action(payload)
    except InvalidMessage as exc:
        with rt.uow() as store:
            quarantine(store, payload, exc.errors, via="queue")
        log.info("action invalid", errors=len(exc.errors))
        return
    checked = None
    if action.action == "merchant.dispute":  # S3 is read outside the transaction
        checked = [
            check_item(
                {**item.model_dump(), "position": i, "submitted_by_id": action.actor.id},
                rt.evidence,
            )
            for i, item in enumerate(action.evidence or [])
        ]
    try:
        with rt.uow() as store:
            result = handle_action(store, action, checked, message_id=_message_id())
    except ActionRefused as exc:
        with rt.uow() as store:
            record_refusal(store, payload, exc)
        log.info("action refused", action=action.action, code=exc.code)
        return
    _done(result)


@dramatiq.actor(queue_name="sla")
def sla_breach(complaint_id: str, deadline_id: int) -> None:
    rt = runtime()
    with rt.uow() as store:
        _done(handle_breach(store, complaint_id, deadline_id, message_id=_message_id()))


@dramatiq.actor(queue_name="sla")
def sla_warning(complaint_id: str, deadline_id: int) -> None:
    rt = runtime()
    with rt.uow() as store:
        _done(handle_warning(store, complaint_id, deadline_id, message_id=_message_id()))
