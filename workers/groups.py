"""How a job's group of items runs (workers.actors generates one actor per job).

First all items in one transaction, taken in complaint order (so two groups lock rows in
the same order): one commit for the group. If any item fails, that transaction is rolled
back and each item runs on its own, in its own transaction; a failing item then does not
stop the others, and the message is retried as a whole (the items already done are
skipped as stale). A group of one runs once and raises as it is."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import structlog

from pipeline.adapters.evidence_store import EvidenceStoreUnavailable
from pipeline.handlers.common import Item, Skipped
from pipeline.handlers.evidence import UnitOfWork, note_store_error
from pipeline.logging import get_logger

log = get_logger("workers.actors")

#: Runs the items (in the transactions it opens) and returns a result per item.
Work = Callable[[list[Item]], Sequence[object]]


@dataclass(frozen=True)
class Binding:
    """A job's work. `isolate`: a failed group is run again item by item, in complaint
    order; without it the group runs as it came, and a failure retries the message (the
    work itself keeps what it finished, e.g. notifications delivered)."""

    work: Work
    isolate: bool = True


class GroupIncomplete(RuntimeError):
    pass


def done(result: object) -> None:
    if isinstance(result, Skipped):
        log.info("message skipped", reason=result.reason)
    else:
        log.debug("stage done")


def _done_each(items: Sequence[Item], results: Sequence[object]) -> None:
    if len(results) != len(items):  # work that reports no per-item results
        return
    if len(items) == 1:  # a group of one: its message's log context names the complaint
        done(results[0])
        return
    for item, result in zip(items, results, strict=True):
        with structlog.contextvars.bound_contextvars(
            complaint_id=item.complaint_id, message_id=item.message_id
        ):
            done(result)


def run_group(items: list[Item], binding: Binding) -> None:
    if not binding.isolate or len(items) == 1:
        _done_each(items, binding.work(items))
        return
    ordered = sorted(items, key=lambda item: item.complaint_id)
    try:
        results = binding.work(ordered)
    except EvidenceStoreUnavailable:
        raise  # the store is out for every item: judging them one by one would not help
    except Exception as exc:
        log.info("group transaction failed; items one by one", error=type(exc).__name__)
        _each(binding.work, ordered)
        return
    _done_each(ordered, results)


def _each(work: Work, items: list[Item]) -> None:
    """Each item in its own transaction; raises GroupIncomplete after all ran if any
    failed."""
    failures: list[Exception] = []
    for item in items:
        with structlog.contextvars.bound_contextvars(
            complaint_id=item.complaint_id, message_id=item.message_id
        ):
            try:
                _done_each([item], work([item]))
            except Exception as exc:
                log.warning("item failed; the group will be retried", error=type(exc).__name__)
                failures.append(exc)
    if failures:
        raise GroupIncomplete(f"{len(failures)} of {len(items)} items failed") from failures[0]


@contextmanager
def store_errors_noted(uow: UnitOfWork) -> Iterator[None]:
    """A store failure (directly, or as the cause of a failed group) is logged and counted;
    it still propagates, so the message is retried."""
    try:
        yield
    except Exception as exc:
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, EvidenceStoreUnavailable):
            cause = cause.__cause__
        if cause is not None:
            note_store_error(uow, cause)
        raise
