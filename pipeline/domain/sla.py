"""Default deadlines per status (DESIGN §3) as data: who must act, by when, what a breach does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeline.domain.status import Role, Status
from pipeline.domain.transitions import Event

WARN_FRACTION = 0.8


@dataclass(frozen=True)
class ClockRule:
    kind: str
    party: Role
    window: timedelta
    breach_event: Event


CLOCKS: dict[Status, ClockRule] = {
    Status.IN_REVIEW: ClockRule(
        "platform_review", Role.PLATFORM, timedelta(hours=24), Event.SLA_REVIEW_BREACHED
    ),
    Status.AWAITING_EVIDENCE: ClockRule(
        "buyer_evidence", Role.BUYER, timedelta(hours=72), Event.SLA_EVIDENCE_TIMEOUT
    ),
    Status.AWAITING_MERCHANT: ClockRule(
        "merchant_answer", Role.MERCHANT, timedelta(hours=72), Event.SLA_MERCHANT_BREACHED
    ),
    Status.MERCHANT_PROPOSED: ClockRule(
        "buyer_offer_answer", Role.BUYER, timedelta(hours=48), Event.SLA_OFFER_TIMEOUT
    ),
    Status.IN_ARBITRATION: ClockRule(
        "platform_arbitration",
        Role.PLATFORM,
        timedelta(hours=48),
        Event.SLA_ARBITRATION_BREACHED,
    ),
    Status.REMEDY_IN_PROGRESS: ClockRule(
        "merchant_remedy", Role.MERCHANT, timedelta(hours=24), Event.SLA_REMEDY_BREACHED
    ),
    Status.RESOLVED: ClockRule(
        "buyer_confirmation", Role.BUYER, timedelta(days=7), Event.SLA_CONFIRM_TIMEOUT
    ),
    Status.SUSPENDED: ClockRule(
        "suspension", Role.PLATFORM, timedelta(days=30), Event.SLA_SUSPENSION_ELAPSED
    ),
}

#: Statuses left without a human: the pipeline moves them on by itself.
AUTOMATIC_EXIT: frozenset[Status] = frozenset({Status.RECEIVED})


@dataclass(frozen=True)
class Clock:
    kind: str
    party: Role
    started_at: datetime
    due_at: datetime
    warn_at: datetime


def clock_for(status: Status, now: datetime) -> Clock | None:
    rule = CLOCKS.get(status)
    if rule is None:
        return None
    return Clock(
        kind=rule.kind,
        party=rule.party,
        started_at=now,
        due_at=now + rule.window,
        warn_at=now + rule.window * WARN_FRACTION,
    )
