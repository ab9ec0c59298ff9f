from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pipeline.domain.calendar import NaturalCalendar, parse_business_hours

SH = ZoneInfo("Asia/Shanghai")
WEEK = parse_business_hours("mon-fri 09:00-18:00", "2026-10-01,2026-10-02")


def at(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def test_four_business_hours_from_friday_five_pm_fall_due_monday_noon() -> None:
    friday = at(2026, 11, 27, 17)
    assert WEEK.add(friday, timedelta(hours=4)) == at(2026, 11, 30, 12)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (at(2026, 11, 30, 7), 2, at(2026, 11, 30, 11)),  # before opening
        (at(2026, 11, 30, 20), 1, at(2026, 12, 1, 10)),  # overnight
        (at(2026, 11, 28, 12), 1, at(2026, 11, 30, 10)),  # Saturday
        (at(2026, 9, 30, 17), 2, at(2026, 10, 5, 10)),  # into holidays and a weekend
        (at(2026, 11, 30, 9), 9, at(2026, 11, 30, 18)),  # exactly one working day
        (at(2026, 11, 30, 9), 24, at(2026, 12, 2, 15)),  # 24 working hours
    ],
)
def test_business_hours_across_nights_weekends_and_holidays(
    start: datetime, hours: int, due: datetime
) -> None:
    assert WEEK.add(start, timedelta(hours=hours)) == due
    assert WEEK.between(start, due) == timedelta(hours=hours)


def test_between_counts_only_working_time() -> None:
    assert WEEK.between(at(2026, 11, 27, 17), at(2026, 11, 30, 12)) == timedelta(hours=4)
    assert WEEK.between(at(2026, 11, 28, 0), at(2026, 11, 29, 23)) == timedelta(0)
    assert WEEK.between(at(2026, 11, 30, 12), at(2026, 11, 30, 11)) == timedelta(0)


def test_result_keeps_the_callers_timezone() -> None:
    utc_start = at(2026, 11, 27, 17).astimezone(UTC)
    assert WEEK.add(utc_start, timedelta(hours=4)).tzinfo is UTC


def test_natural_time_is_plain_addition() -> None:
    start = datetime(2026, 11, 27, 17, tzinfo=UTC)
    assert NaturalCalendar().add(start, timedelta(hours=4)) == start + timedelta(hours=4)


@pytest.mark.parametrize("spec", ["weekdays 9-6", "mon-fri 18:00-09:00", "xyz 09:00-10:00", ""])
def test_bad_business_hours_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_business_hours(spec)


def test_holidays_are_parsed() -> None:
    assert date(2026, 10, 1) in WEEK.holidays
