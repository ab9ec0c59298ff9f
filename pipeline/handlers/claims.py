"""Staff queues (manual review, arbitration) and claims on their complaints: one holder at a
time, under a lease that expires, so two staff never work the same complaint. A claim and a
release are steps of the transition table (platform.claim / platform.release, status kept),
with their events on the complaint's chain; an expired lease needs no event: the complaint
is simply free again (and a step that moves it out of its queue clears the claim)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pipeline.db import complaints
from pipeline.db.store import Complaint, Store
from pipeline.domain.errors import ActionRefused, NotFound
from pipeline.domain.status import Role, Stage, Status
from pipeline.domain.text import text
from pipeline.domain.transitions import Event
from pipeline.worklist import Filters


@dataclass(frozen=True)
class Queue:
    grant: str  # the staff grant that works this queue
    status: Status
    stage: Stage | None  # None: any stage

    def holds(self, status: Status, stage: Stage) -> bool:
        return status is self.status and self.stage in (None, stage)

    def filters(self, staff_id: str | None) -> Filters:
        # Both queues wait on the platform: the waiting_on index serves them in due order.
        return Filters(
            status=self.status, stage=self.stage, waiting_on=Role.PLATFORM, free_for=staff_id
        )


QUEUES: dict[str, Queue] = {
    "manual_review": Queue("review", Status.IN_REVIEW, Stage.MANUAL_REVIEW),
    "arbitration": Queue("arbitrate", Status.IN_ARBITRATION, None),
}


def queue_of(c: Complaint) -> str | None:
    return next((name for name, q in QUEUES.items() if q.holds(c.status, c.stage)), None)


def live_holder(row: dict[str, Any], now: datetime) -> str | None:
    """The staff member holding this complaint row's claim, if the lease still runs."""
    if row["claimed_by"] is None or row["claim_expires_at"] <= now:
        return None
    return str(row["claimed_by"])


def claim_holder(store: Store, complaint_id: str, now: datetime) -> str | None:
    """Who holds the complaint under a live lease (None: nobody). For the action handler: a
    platform action by another staff member while someone's lease runs is refused."""
    row = complaints.claim_of(store, complaint_id)
    return live_holder(row, now) if row is not None else None


@dataclass(frozen=True)
class ClaimResult:
    complaint_id: str
    queue: str
    holder: str | None
    lease_expires_at: datetime | None


def _queued(store: Store, complaint_id: str) -> tuple[Complaint, str]:
    c = store.lock(complaint_id)
    if c is None:
        raise NotFound(text("no complaint {id}", id=complaint_id))
    queue = queue_of(c)
    if queue is None:
        raise ActionRefused(
            "not_in_queue",
            text("the complaint is {status}, in no staff queue", status=c.status.value),
        )
    return c, queue


def claim(
    store: Store, complaint_id: str, staff_id: str, grants: frozenset[str], lease: timedelta
) -> ClaimResult:
    """Take (or, for the holder, renew) the claim; refused while another's lease runs."""
    c, queue = _queued(store, complaint_id)
    if QUEUES[queue].grant not in grants:
        raise ActionRefused(
            "grant_required",
            text(
                "the {queue} queue needs the {grant} grant", queue=queue, grant=QUEUES[queue].grant
            ),
        )
    now = store.clock()
    holder = live_holder(c.row, now)
    if holder is not None and holder != staff_id:
        assert c.claim_expires_at is not None  # a live holder holds a lease
        raise ActionRefused(
            "claimed_by_another",
            text(
                "claimed by {holder} until {until}",
                holder=holder,
                until=c.claim_expires_at.isoformat(),
            ),
        )
    until = now + lease
    store.apply(
        c,
        Event.CLAIM,
        role=Role.PLATFORM,
        actor_id=staff_id,
        data={"queue": queue, "lease_expires_at": until.isoformat()},
        claimed_by=staff_id,
        claim_expires_at=until,
    )
    return ClaimResult(c.id, queue, staff_id, until)


def release(store: Store, complaint_id: str, staff_id: str) -> ClaimResult:
    """Give the claim back before the lease ends; only its holder may."""
    c, queue = _queued(store, complaint_id)
    holder = live_holder(c.row, store.clock())
    if holder != staff_id:
        raise ActionRefused(
            "not_holder",
            text("you do not hold this complaint ({holder} does)", holder=holder)
            if holder
            else text("you do not hold this complaint"),
        )
    store.apply(
        c,
        Event.RELEASE,
        role=Role.PLATFORM,
        actor_id=staff_id,
        data={"queue": queue},
        claimed_by=None,
        claim_expires_at=None,
    )
    return ClaimResult(c.id, queue, None, None)
