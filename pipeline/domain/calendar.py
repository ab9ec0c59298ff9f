"""Deadline arithmetic in natural time or in business hours (working hours + holidays)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Calendar(Protocol):
    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of counted time after `start`."""

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Counted time from `start` to `end` (zero if end <= start)."""


class NaturalCalendar:
    def add(self, start: datetime, duration: timedelta) -> datetime:
        return start + duration

    def between(self, start: datetime, end: datetime) -> timedelta:
        return max(end - start, timedelta(0))


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours per weekday (0 = Monday) in a timezone, minus holidays, plus make-up
    working days (调休: a weekend day worked in exchange for a holiday), which keep the
    hours of the first working weekday."""

    hours: dict[int, tuple[time, time]]
    holidays: frozenset[date] = field(default_factory=frozenset)
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    workdays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.hours:
            raise ValueError("a business calendar needs at least one working day")
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(f"{both[0]} is both a holiday and a make-up working day")

    def _open_span(self, day: date) -> tuple[datetime, datetime] | None:
        if day in self.holidays:
            return None
        if day in self.workdays:
            opens, closes = self.hours[min(self.hours)]
        elif day.weekday() not in self.hours:
            return None
        else:
            opens, closes = self.hours[day.weekday()]
        return (datetime.combine(day, opens, self.tz), datetime.combine(day, closes, self.tz))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        left = duration
        cursor = start.astimezone(self.tz)
        for _ in range(3700):  # ten years of days: a bound, not a limit anyone reaches
            span = self._open_span(cursor.date())
            if span is not None:
                begin = max(cursor, span[0])
                if begin < span[1]:
                    available = span[1] - begin
                    if left <= available:
                        return (begin + left).astimezone(start.tzinfo)
                    left -= available
            cursor = datetime.combine(cursor.date() + timedelta(days=1), time(0), self.tz)
        raise ValueError("deadline lies more than ten years of working days away")

    def between(self, start: datetime, end: datetime) -> timedelta:
        total = timedelta(0)
        cursor = start.astimezone(self.tz)
        end = end.astimezone(self.tz)
        while cursor < end:
            span = self._open_span(cursor.date())
            if span is not None:
                begin, finish = max(cursor, span[0]), min(end, span[1])
                if finish > begin:
                    total += finish - begin
            cursor = datetime.combine(cursor.date() + timedelta(days=1), time(0), self.tz)
        return total


def parse_dates(spec: str, what: str) -> frozenset[date]:
    """`2026-10-01,2026-10-02` (commas or whitespace)."""
    try:
        return frozenset(date.fromisoformat(d) for d in spec.replace(",", " ").split())
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}; use dates like 2026-10-01,2026-10-02") from None


def parse_business_hours(
    spec: str, holidays: str = "", tz: str = "Asia/Shanghai", workdays: str = ""
) -> BusinessCalendar:
    """`mon-fri 09:00-18:00; sat 10:00-16:00`, holidays `2026-10-01,2026-10-02` and
    make-up working days `2026-10-10`."""
    hours: dict[int, tuple[time, time]] = {}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        try:
            days, span = part.split()
            first, _, last = days.partition("-")
            opens, closes = (time.fromisoformat(t) for t in span.split("-"))
            lo, hi = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        except ValueError:
            raise ValueError(
                f"business hours {part!r}: use e.g. 'mon-fri 09:00-18:00; sat 10:00-16:00'"
            ) from None
        if closes <= opens:
            raise ValueError(f"business hours {part!r}: closing time must follow opening time")
        for d in range(lo, hi + 1):
            hours[d] = (opens, closes)
    return BusinessCalendar(
        hours,
        parse_dates(holidays, "holidays"),
        ZoneInfo(tz),
        parse_dates(workdays, "make-up working days"),
    )
