"""One thin actor per stage: decode, call the handler in a unit of work, log, return."""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage

from pipeline.handlers.dispatch import handle_dispatch, handle_route
from pipeline.handlers.evidence import handle_evidence
from pipeline.handlers.intake import intake_message
from pipeline.handlers.notify import handle_notify
from pipeline.handlers.review import Skipped, handle_review
from pipeline.logging import get_logger
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
