"""The actors: one per job of the stage table (pipeline.domain.stages), generated, whose
message carries a group of items (workers.groups runs it); and the two that upstream
systems send to, intake (complaint.v1) and act (action.v1). Each decodes, calls its
handler in a unit of work, logs and returns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage

from pipeline.db.store import Store
from pipeline.domain.errors import ActionRefused
from pipeline.domain.stages import (
    ACTIONS_QUEUE,
    DEFAULT_DISPATCH_QUEUE,
    INTAKE_QUEUE,
    STAGES,
    Job,
)
from pipeline.handlers.actions import handle_action, record_refusal
from pipeline.handlers.case_decisions import apply_case_decisions
from pipeline.handlers.common import Item
from pipeline.handlers.dispatch import handle_dispatch, handle_route
from pipeline.handlers.evidence import handle_evidence, precheck
from pipeline.handlers.intake import intake_message, quarantine
from pipeline.handlers.notify import handle_notify
from pipeline.handlers.payments import publish
from pipeline.handlers.review import handle_review
from pipeline.handlers.sla import handle_breach, handle_warning
from pipeline.logging import get_logger
from pipeline.settings import Settings
from schemas.action import InvalidMessage, parse_action
from workers.broker import broker  # noqa: F401  (sets the broker before actors are declared)
from workers.groups import Binding, GroupIncomplete, Work, run_group, store_errors_noted
from workers.runtime import runtime

__all__ = ["STAGE_ACTORS", "GroupIncomplete", "act", "intake"]

log = get_logger("workers.actors")

Items = list[list[Any]]  # a job message's [message_id, payload] pairs


def _message_id() -> str | None:
    message = CurrentMessage.get_current_message()
    return message.message_id if message else None


@dramatiq.actor(queue_name=INTAKE_QUEUE)
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


def _store_retries(settings: Settings) -> dict[str, Any]:
    """Retries of the jobs that read the evidence store. A store outage (a deleted
    bucket, a rotated key) outlasts a database blip: backoff grows to the longer
    `evidence_max_backoff_ms`. Bounded: `worker_max_retries` retries stay under the
    delivery limit, then the message is dead-lettered (`complaints dlq replay` once fixed)."""
    return {
        "max_retries": settings.worker_max_retries,
        "min_backoff": settings.evidence_min_backoff_ms,
        "max_backoff": settings.evidence_max_backoff_ms,
    }


STORE_RETRIES = _store_retries(Settings.from_env())


def _in_uow(handler: Callable[[Store, list[Item]], Sequence[object]]) -> Work:
    """The handler's items in one unit of work (one transaction)."""

    def work(items: list[Item]) -> Sequence[object]:
        with runtime().uow() as store:
            return handler(store, items)

    return work


def _review(store: Store, items: list[Item]) -> Sequence[object]:
    return handle_review(store, items, runtime().settings)


def _evidence(items: list[Item]) -> Sequence[object]:
    """A store failure fails the whole group: nothing is written, the message is retried."""
    rt = runtime()
    return handle_evidence(rt.uow, rt.evidence, items)


def _notify(items: list[Item]) -> Sequence[object]:
    """One transaction delivers every item's notifications."""
    rt = runtime()
    with rt.uow() as store:
        result = handle_notify(store, rt.notifier, items)
    log.debug("notifications delivered", count=result.delivered, events=len(items))
    if result.error is not None:  # what was delivered is committed; retry the rest
        raise result.error
    return ()


def _publish(store: Store, items: list[Item]) -> Sequence[object]:
    return publish(store, runtime().payments, items)


#: What each job of the stage table (pipeline.domain.stages) runs.
WORK: dict[Job, Binding] = {
    Job.REVIEW: Binding(_in_uow(_review)),
    Job.EVIDENCE: Binding(_evidence),
    Job.ROUTE: Binding(_in_uow(handle_route)),
    Job.DISPATCH: Binding(_in_uow(handle_dispatch)),
    Job.NOTIFY: Binding(_notify, isolate=False),
    Job.CASE_DECIDE: Binding(_in_uow(apply_case_decisions)),
    Job.PUBLISH_PAYMENT: Binding(_in_uow(_publish)),
    Job.SLA_BREACH: Binding(_in_uow(handle_breach)),
    Job.SLA_WARNING: Binding(_in_uow(handle_warning)),
}


def _declare(job: Job) -> dramatiq.Actor[[Items], None]:
    """One actor per job: its message carries a group of items (workers.coalesce)."""
    row, binding = STAGES[job], WORK[job]

    def run(items: Items) -> None:
        group = [Item.of(message_id, payload) for message_id, payload in items]
        if row.reads_store:
            with store_errors_noted(runtime().uow):
                run_group(group, binding)
        else:
            run_group(group, binding)

    run.__name__ = run.__qualname__ = str(job)
    declare = dramatiq.actor(
        actor_name=str(job),
        queue_name=row.queue or DEFAULT_DISPATCH_QUEUE,  # dispatch: sent to its category's
        **(STORE_RETRIES if row.reads_store else {}),
    )
    return declare(run)


STAGE_ACTORS = {job: _declare(job) for job in Job}


@dramatiq.actor(queue_name=ACTIONS_QUEUE)
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
    with store_errors_noted(rt.uow):  # S3 is read outside the transaction
        checked = precheck(action, rt.evidence)
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
