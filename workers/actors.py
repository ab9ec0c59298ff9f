"""One thin actor per stage: decode, call the handler in a unit of work, log, return."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import dramatiq
import structlog
from dramatiq.middleware import CurrentMessage

from pipeline.adapters.evidence_store import EvidenceStoreUnavailable
from pipeline.db.store import Store
from pipeline.domain.actions import CHECKED_EVIDENCE
from pipeline.domain.errors import ActionRefused
from pipeline.handlers.actions import handle_action, record_refusal
from pipeline.handlers.case_decisions import apply_case_decision
from pipeline.handlers.cases import count_cases
from pipeline.handlers.dispatch import handle_dispatch, handle_route
from pipeline.handlers.evidence import (
    check_item,
    handle_evidence,
    handle_evidence_many,
    note_store_error,
)
from pipeline.handlers.intake import intake_message, quarantine
from pipeline.handlers.notify import handle_notify
from pipeline.handlers.payments import publish
from pipeline.handlers.review import Skipped, handle_review, handle_review_many
from pipeline.handlers.sla import handle_breach, handle_breach_many, handle_warning
from pipeline.logging import get_logger
from pipeline.settings import Settings
from schemas.action import InvalidMessage, parse_action
from workers.broker import broker  # noqa: F401  (sets the broker before actors are declared)
from workers.runtime import runtime

log = get_logger("workers.actors")

Items = list[list[Any]]  # a coalesced message's [message_id, payload] pairs
Step = Callable[..., object]  # (store, message_id, **payload) -> Complaint | Skipped


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


def _review(store: Store, message_id: str | None, complaint_id: str) -> object:
    return handle_review(store, complaint_id, runtime().settings, message_id=message_id)


def _route(store: Store, message_id: str | None, complaint_id: str) -> object:
    return handle_route(store, complaint_id, message_id=message_id)


def _dispatch(store: Store, message_id: str | None, complaint_id: str) -> object:
    return handle_dispatch(store, complaint_id, message_id=message_id)


def _breach(store: Store, message_id: str | None, complaint_id: str, deadline_id: int) -> object:
    return handle_breach(store, complaint_id, deadline_id, message_id=message_id)


def _warning(store: Store, message_id: str | None, complaint_id: str, deadline_id: int) -> object:
    return handle_warning(store, complaint_id, deadline_id, message_id=message_id)


def _alone(step: Step, message_id: str | None, **payload: Any) -> object:
    """One message in its own transaction."""
    with runtime().uow() as store:
        return step(store, message_id, **payload)


def _store_retries(settings: Settings) -> dict[str, Any]:
    """Retries of the actors that read the evidence store. A store outage (a deleted
    bucket, a rotated key) outlasts a database blip: backoff grows to the longer
    `evidence_max_backoff_ms`. Bounded: `worker_max_retries` retries stay under the
    delivery limit, then the message is dead-lettered (`complaints dlq replay` once fixed)."""
    return {
        "max_retries": settings.worker_max_retries,
        "min_backoff": settings.evidence_min_backoff_ms,
        "max_backoff": settings.evidence_max_backoff_ms,
    }


STORE_RETRIES = _store_retries(Settings.from_env())


@contextmanager
def _store_errors_noted() -> Iterator[None]:
    """A store failure (directly, or as the cause of a failed group) is logged and counted;
    it still propagates, so the message is retried."""
    try:
        yield
    except Exception as exc:
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, EvidenceStoreUnavailable):
            cause = cause.__cause__
        if cause is not None:
            note_store_error(runtime().uow, cause)
        raise


def _evidence(message_id: str | None, complaint_id: str) -> object:
    rt = runtime()
    return handle_evidence(rt.uow, rt.evidence, complaint_id, message_id=message_id)


def _evidence_together(items: Items) -> list[object]:
    rt = runtime()
    return list(
        handle_evidence_many(rt.uow, rt.evidence, [(p["complaint_id"], m) for m, p in items])
    )


def _group(
    items: Items, together: Callable[[Items], list[object]], alone: Callable[..., object]
) -> None:
    """A coalesced message (workers.coalesce). First all items in one transaction, taken in
    complaint order (so two groups lock rows in the same order): one commit for the group.
    If any item fails, that transaction is rolled back and each item runs as its own message
    would, in its own transaction; a failing item then does not stop the others, and the
    message is retried as a whole (the items already done are skipped as stale)."""
    ordered = sorted(items, key=lambda item: str(item[1]["complaint_id"]))
    try:
        results = together(ordered)
    except EvidenceStoreUnavailable:
        raise  # the store is out for every item: judging them one by one would not help
    except Exception as exc:
        log.info("group transaction failed; items one by one", error=type(exc).__name__)
        _each(alone, ordered)
        return
    for (message_id, payload), result in zip(ordered, results, strict=True):
        with structlog.contextvars.bound_contextvars(
            complaint_id=payload["complaint_id"], message_id=message_id
        ):
            _done(result)


def _in_one_transaction(step: Step) -> Callable[[Items], list[object]]:
    def together(items: Items) -> list[object]:
        with runtime().uow() as store:
            store.lock_many([payload["complaint_id"] for _, payload in items])
            return [step(store, message_id, **payload) for message_id, payload in items]

    return together


def _grouped(step: Step, items: Items) -> None:
    _group(items, _in_one_transaction(step), partial(_alone, step))


def _each(stage: Callable[..., object], items: Items) -> None:
    """Each item as its own message would be; raises GroupIncomplete after all ran if any
    failed."""
    failures: list[Exception] = []
    for message_id, payload in items:
        with structlog.contextvars.bound_contextvars(
            complaint_id=payload["complaint_id"], message_id=message_id
        ):
            try:
                _done(stage(message_id, **payload))
            except Exception as exc:
                log.warning("item failed; the group will be retried", error=type(exc).__name__)
                failures.append(exc)
    if failures:
        raise GroupIncomplete(f"{len(failures)} of {len(items)} items failed") from failures[0]


class GroupIncomplete(RuntimeError):
    pass


@dramatiq.actor(queue_name="review")
def review(complaint_id: str) -> None:
    _done(_alone(_review, _message_id(), complaint_id=complaint_id))


def _reviews_together(items: Items) -> list[object]:
    reviews = [(p["complaint_id"], m) for m, p in items]
    with runtime().uow() as store:
        return list(handle_review_many(store, reviews, runtime().settings))


@dramatiq.actor(queue_name="review")
def review_many(items: Items) -> None:
    _group(items, _reviews_together, partial(_alone, _review))


@dramatiq.actor(queue_name="evidence", **STORE_RETRIES)
def evidence(complaint_id: str) -> None:
    with _store_errors_noted():
        _done(_evidence(_message_id(), complaint_id))


@dramatiq.actor(queue_name="evidence", **STORE_RETRIES)
def evidence_many(items: Items) -> None:
    """A store failure fails the whole group: nothing is written, the message is retried."""
    with _store_errors_noted():
        _group(items, _evidence_together, _evidence)


@dramatiq.actor(queue_name="route")
def route(complaint_id: str) -> None:
    _done(_alone(_route, _message_id(), complaint_id=complaint_id))


@dramatiq.actor(queue_name="route")
def route_many(items: Items) -> None:
    _grouped(_route, items)


@dramatiq.actor(queue_name="handle.other")  # the relay sends each to its category's queue
def dispatch(complaint_id: str) -> None:
    _done(_alone(_dispatch, _message_id(), complaint_id=complaint_id))


@dramatiq.actor(queue_name="handle.other")
def dispatch_many(items: Items) -> None:
    _grouped(_dispatch, items)


def _notify(events: list[tuple[str, int]]) -> None:
    rt = runtime()
    with rt.uow() as store:
        result = handle_notify(store, rt.notifier, events)
    log.debug("notifications delivered", count=result.delivered, events=len(events))
    if result.error is not None:  # what was delivered is committed; retry the rest
        raise result.error


@dramatiq.actor(queue_name="notify")
def notify(complaint_id: str, event_seq: int) -> None:
    _notify([(complaint_id, event_seq)])


@dramatiq.actor(queue_name="notify")
def notify_many(items: Items) -> None:
    """Coalesced notify rows: one transaction delivers every event's notifications."""
    _notify([(str(p["complaint_id"]), int(p["event_seq"])) for _, p in items])


def _count_cases(items: Items) -> None:
    with runtime().uow() as store:
        results = count_cases(store, [(str(p["complaint_id"]), m) for m, p in items])
    for result in results:
        _done(result)


@dramatiq.actor(queue_name="actions")
def case_count(complaint_id: str) -> None:
    """Count a forwarded complaint towards a case (pipeline.handlers.cases)."""
    _count_cases([[_message_id(), {"complaint_id": complaint_id}]])


@dramatiq.actor(queue_name="actions")
def case_count_many(items: Items) -> None:
    """Coalesced case counts: one transaction, a few statements, for the whole group."""
    _count_cases(items)


@dramatiq.actor(queue_name="actions")
def case_decide(complaint_id: str, case_decision_id: int) -> None:
    """One complaint takes its case's decision (once, however often this comes)."""
    with runtime().uow() as store:
        _done(apply_case_decision(store, complaint_id, case_decision_id, _message_id()))


@dramatiq.actor(queue_name="notify")
def publish_payment(complaint_id: str, idempotency_key: str) -> None:
    """Hand a payment instruction to the payments port (at least once: the payment system
    dedupes on the idempotency key)."""
    rt = runtime()
    with rt.uow() as store:
        _done(publish(store, rt.payments, idempotency_key))


@dramatiq.actor(queue_name="actions")
def act(payload: Any) -> None:
    """A party action (action.v1). Invalid or refused actions are kept with their reason."""
    rt = runtime()
    try:
        action = parse_action(payload)
    except InvalidMessage as exc:
        with rt.uow() as store:
            quarantine(store, payload, exc.errors, via="queue", message_id=_message_id())
        log.info("action invalid", errors=len(exc.errors))
        return
    checked = None
    if action.action in CHECKED_EVIDENCE:  # S3 is read outside the transaction
        with _store_errors_noted():
            checked = [
                check_item(
                    {**item.model_dump(), "position": i, "submitted_by_id": action.actor.id},
                    rt.evidence,
                )
                for i, item in enumerate(action.evidence or [])
            ]
    try:
        with rt.uow() as store:
            result = handle_action(
                store,
                action,
                checked,
                message_id=_message_id(),
                four_eyes_cents=rt.settings.four_eyes_amount_cents,
            )
    except ActionRefused as exc:
        with rt.uow() as store:
            record_refusal(store, payload, exc, message_id=_message_id())
        log.info("action refused", action=action.action, code=exc.code)
        return
    if result.replayed:
        log.info("message skipped", reason="action already applied (same idempotency key)")


@dramatiq.actor(queue_name="sla")
def sla_breach(complaint_id: str, deadline_id: int) -> None:
    _done(_alone(_breach, _message_id(), complaint_id=complaint_id, deadline_id=deadline_id))


def _breaches_together(items: Items) -> list[object]:
    breaches = [(p["complaint_id"], p["deadline_id"], m) for m, p in items]
    with runtime().uow() as store:
        return list(handle_breach_many(store, breaches))


@dramatiq.actor(queue_name="sla")
def sla_breach_many(items: Items) -> None:
    _group(items, _breaches_together, partial(_alone, _breach))


@dramatiq.actor(queue_name="sla")
def sla_warning(complaint_id: str, deadline_id: int) -> None:
    _done(_alone(_warning, _message_id(), complaint_id=complaint_id, deadline_id=deadline_id))


@dramatiq.actor(queue_name="sla")
def sla_warning_many(items: Items) -> None:
    _grouped(_warning, items)
