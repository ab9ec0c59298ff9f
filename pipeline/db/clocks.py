"""The deadline ledger, moved in the same transaction as the transition that causes it:
close the old clock (or pause it while the other party acts), start or resume the next."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipeline.db import deadlines
from pipeline.domain.governance import SUPERVISION
from pipeline.domain.sla import CLOCKS, PAUSE_WHILE, Clock
from pipeline.domain.status import TERMINAL, Category, Role, Status

if TYPE_CHECKING:
    from pipeline.db.store import Store

#: The complaint row's copy of its running clock (waiting_on, due_at): what lists sort on.
NOT_RUNNING: dict[str, Any] = {"waiting_on": None, "due_at": None}


def running(party: Role | str, due_at: datetime) -> dict[str, Any]:
    return {"waiting_on": str(party), "due_at": due_at}


def running_of(clock: Clock | None) -> dict[str, Any]:
    return NOT_RUNNING if clock is None else running(clock.party, clock.due_at)


def move(
    store: Store,
    row: dict[str, Any],
    source: Status,
    target: Status,
    now: datetime,
    party: Role | None = None,
) -> dict[str, Any]:
    """Move the ledger; answer the complaint's running clock afterwards (`running`).
    `party`: who must act under the target's clock, when its rule leaves it to the step."""
    cid = row["id"]
    if target in TERMINAL:
        deadlines.close_live(store, cid, now)
        return NOT_RUNNING
    pausing = target is Status.SUSPENDED or target in PAUSE_WHILE.get(source, ())
    rule = CLOCKS.get(target)
    # Only a return from suspension, or to a status whose clock pauses, finds a paused clock.
    may_resume = source is Status.SUSPENDED or source in PAUSE_WHILE.get(target, ())
    if rule is not None and not pausing and not may_resume:  # the common step, one statement
        return running_of(start(store, row, target, now, replacing=True, party=party))
    (deadlines.pause_open if pausing else deadlines.close_open)(store, cid, now)
    if rule is None:
        return NOT_RUNNING
    paused = deadlines.live(store, cid, rule.kind) if may_resume else None
    if paused is not None and paused.paused_at is not None:
        due, warn = store.policy.resumed(paused.paused_at, paused.due_at, paused.warn_at, now)
        deadlines.resume(store, paused.id, now, due, warn)
        return running(paused.party, due)
    return running_of(start(store, row, target, now, party=party))


def opening(
    store: Store, row: dict[str, Any], status: Status, now: datetime, party: Role | None = None
) -> Clock | None:
    """The clock `status` runs under for this complaint, starting now (a merchant under
    supervision gets a shorter window to answer)."""
    rule = CLOCKS.get(status)
    factor = 1.0
    if rule is not None and rule.party is Role.MERCHANT and store.supervised(row["merchant_id"]):
        factor = SUPERVISION.answer_window_factor
    return store.policy.clock_for(status, Category(row["category"]), now, party, factor)


def deadline_row(complaint_id: str, clock: Clock) -> dict[str, Any]:
    """The ledger row of a clock that starts (`deadlines`)."""
    return {
        "complaint_id": complaint_id,
        "kind": clock.kind,
        "party": clock.party,
        "started_at": clock.started_at,
        "due_at": clock.due_at,
        "warn_at": clock.warn_at,
    }


def start(
    store: Store,
    row: dict[str, Any],
    status: Status,
    now: datetime,
    replacing: bool = False,
    party: Role | None = None,
) -> Clock | None:
    """Open the clock `status` runs under (also used to re-arm after an escalation);
    `replacing` closes the complaint's open clock in the same statement."""
    clock = opening(store, row, status, now, party)
    if clock is None:
        if replacing:
            deadlines.close_open(store, row["id"], now)
        return None
    params = {"now": now, **deadline_row(row["id"], clock)}
    if replacing:
        store.defer_clock(params)  # written with the step's other writes
    else:
        deadlines.open_clock(store, params)
    return clock
