"""Deadlines as data (docs/contracts.md, section 2): who must act, by when, what a breach
does, when a clock pauses; windows per status with per-category entries, in natural or
business time."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pipeline.domain.calendar import Calendar, NaturalCalendar
from pipeline.domain.status import Category, Role, Status
from pipeline.domain.transitions import Event
from schemas.categories import CATEGORIES

WARN_FRACTION = 0.8


@dataclass(frozen=True)
class ClockRule:
    """`party` None: whoever the step that starts the clock names (information requests)."""

    kind: str
    party: Role | None
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
    Status.BUYER_COUNTERED: ClockRule(
        "merchant_counter_answer", Role.MERCHANT, timedelta(hours=48), Event.SLA_COUNTER_TIMEOUT
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
    Status.AWAITING_INFORMATION: ClockRule(
        "information_answer", None, timedelta(hours=48), Event.SLA_INFORMATION_TIMEOUT
    ),
    Status.AWAITING_RETURN: ClockRule(
        "buyer_return_shipment", Role.BUYER, timedelta(days=7), Event.SLA_RETURN_NOT_SHIPPED
    ),
    Status.RETURN_IN_TRANSIT: ClockRule(
        "merchant_return_receipt", Role.MERCHANT, timedelta(days=10), Event.SLA_RECEIPT_ASSUMED
    ),
    Status.AWAITING_SETTLEMENT: ClockRule(
        "refund_settlement", Role.PLATFORM, timedelta(hours=24), Event.SLA_SETTLEMENT_OVERDUE
    ),
    Status.OFFER_PENDING_APPROVAL: ClockRule(
        "platform_offer_review",
        Role.PLATFORM,
        timedelta(hours=24),
        Event.SLA_OFFER_REVIEW_BREACHED,
    ),
    Status.SUSPENDED: ClockRule(
        "suspension", Role.PLATFORM, timedelta(days=30), Event.SLA_SUSPENSION_ELAPSED
    ),
}

#: Per-category windows that differ from the status default (the category table's
#: `sla_hours`; counterfeit is urgent).
CATEGORY_WINDOWS: dict[tuple[Status, Category], timedelta] = {
    (Status(status), Category(row.name)): timedelta(hours=hours)
    for row in CATEGORIES
    for status, hours in row.sla_hours.items()
}
if _unclocked := {status for status, _ in CATEGORY_WINDOWS} - set(CLOCKS):
    raise ValueError(f"category sla_hours name statuses without a clock: {sorted(_unclocked)}")

#: A clock pauses (instead of closing) while the complaint waits on the other party here,
#: and runs on from where it stopped when the complaint comes back.
PAUSE_WHILE: dict[Status, frozenset[Status]] = {
    Status.IN_REVIEW: frozenset({Status.AWAITING_EVIDENCE}),
    Status.IN_ARBITRATION: frozenset({Status.AWAITING_INFORMATION}),
}

#: The longest extension a merchant may ask for, once per clock.
MAX_EXTENSION = timedelta(hours=48)

#: Statuses left without a human: the pipeline moves them on by itself.
AUTOMATIC_EXIT: frozenset[Status] = frozenset({Status.RECEIVED})

KIND_STATUS: dict[str, Status] = {rule.kind: status for status, rule in CLOCKS.items()}


@dataclass(frozen=True)
class Clock:
    kind: str
    party: Role
    started_at: datetime
    due_at: datetime
    warn_at: datetime


@dataclass(frozen=True)
class SlaPolicy:
    overrides: dict[tuple[Status, Category | None], timedelta] = field(default_factory=dict)
    calendar: Calendar = field(default_factory=NaturalCalendar)

    def window(self, status: Status, category: Category) -> timedelta | None:
        rule = CLOCKS.get(status)
        if rule is None:
            return None
        for key in ((status, category), (status, None)):
            if key in self.overrides:
                return self.overrides[key]
        return CATEGORY_WINDOWS.get((status, category), rule.window)

    def clock_for(
        self,
        status: Status,
        category: Category,
        now: datetime,
        party: Role | None = None,
        factor: float = 1.0,
    ) -> Clock | None:
        """`party`: who must act, for a clock whose rule leaves it to the step; `factor`:
        the share of the window it gets (a supervised merchant's is shorter)."""
        rule, window = CLOCKS.get(status), self.window(status, category)
        if rule is None or window is None:
            return None
        window = window * factor
        who = rule.party or party
        if who is None:
            raise ValueError(f"the {rule.kind} clock needs the party who must act")
        return Clock(
            kind=rule.kind,
            party=who,
            started_at=now,
            due_at=self.calendar.add(now, window),
            warn_at=self.calendar.add(now, window * WARN_FRACTION),
        )

    def resumed(
        self, paused_at: datetime, due_at: datetime, warn_at: datetime, now: datetime
    ) -> tuple[datetime, datetime]:
        """New (due, warn) for a clock paused at `paused_at` and resumed `now`: the time
        that was left keeps running, in the policy's calendar."""
        due = self.calendar.add(now, self.calendar.between(paused_at, due_at))
        warn = self.calendar.add(now, self.calendar.between(paused_at, warn_at))
        return due, min(warn, due)


def parse_windows(spec: str) -> dict[tuple[Status, Category | None], timedelta]:
    """`{"awaiting_merchant": 48, "awaiting_merchant/counterfeit": 24}` (hours)."""
    if not spec.strip():
        return {}
    try:
        raw = json.loads(spec)
        out: dict[tuple[Status, Category | None], timedelta] = {}
        for key, hours in raw.items():
            status, _, category = key.partition("/")
            if Status(status) not in CLOCKS or float(hours) <= 0:
                raise ValueError(key)
            out[(Status(status), Category(category) if category else None)] = timedelta(
                hours=float(hours)
            )
        return out
    except (ValueError, AttributeError, TypeError) as exc:
        raise ValueError(
            f"COMPLAINTS_SLA_WINDOWS: {exc}; use JSON like "
            '{"awaiting_merchant": 48, "awaiting_merchant/counterfeit": 24} (hours, > 0)'
        ) from None


DEFAULT_POLICY = SlaPolicy()


def make_policy(
    windows: str, business_hours: str, holidays: str, timezone: str, workdays: str = ""
) -> SlaPolicy:
    """The policy the settings describe (empty business hours: natural time; holidays and
    make-up working days need business hours)."""
    from pipeline.domain.calendar import parse_business_hours

    if not business_hours.strip() and (holidays.strip() or workdays.strip()):
        raise ValueError(
            "holidays and make-up working days need business hours (COMPLAINTS_BUSINESS_HOURS)"
        )
    calendar: Calendar = (
        parse_business_hours(business_hours, holidays, timezone, workdays)
        if business_hours.strip()
        else NaturalCalendar()
    )
    return SlaPolicy(parse_windows(windows), calendar)
