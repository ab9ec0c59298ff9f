from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.calendar_file import policy_of
from pipeline.domain.calendar import BusinessCalendar, NaturalCalendar, parse_business_hours
from pipeline.settings import Settings

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


# National Day 2026 (example): Oct 1-7 off, Saturday Oct 10 worked in exchange (调休).
GOLDEN_WEEK = parse_business_hours(
    "mon-fri 09:00-18:00",
    "2026-10-01,2026-10-02,2026-10-05,2026-10-06,2026-10-07",
    workdays="2026-10-10",
)


def test_a_make_up_working_day_counts_with_weekday_hours() -> None:
    friday_evening = at(2026, 10, 9, 17)
    assert GOLDEN_WEEK.add(friday_evening, timedelta(hours=4)) == at(2026, 10, 10, 12)
    assert WEEK.add(friday_evening, timedelta(hours=4)) == at(2026, 10, 12, 12)
    assert GOLDEN_WEEK.between(at(2026, 10, 10, 0), at(2026, 10, 11, 0)) == timedelta(hours=9)


def test_holidays_and_the_weekend_between_them_are_skipped() -> None:
    assert GOLDEN_WEEK.add(at(2026, 9, 30, 17), timedelta(hours=2)) == at(2026, 10, 8, 10)


def test_a_day_cannot_be_both_holiday_and_make_up_day() -> None:
    with pytest.raises(ValueError, match="both"):
        parse_business_hours("mon-fri 09:00-18:00", "2026-10-10", workdays="2026-10-10")
    with pytest.raises(ValueError, match="make-up working days"):
        parse_business_hours("mon-fri 09:00-18:00", workdays="10/10/2026")


def test_calendar_file_adds_to_the_settings(tmp_path: Path) -> None:
    path = tmp_path / "cn-2026.json"
    path.write_text(json.dumps({"holidays": ["2026-10-01"], "workdays": ["2026-10-10"]}))
    settings = Settings(
        business_hours="mon-fri 09:00-18:00", holidays="2026-10-02", calendar_file=str(path)
    )
    calendar = policy_of(settings).calendar
    assert isinstance(calendar, BusinessCalendar)
    assert calendar.holidays == {date(2026, 10, 1), date(2026, 10, 2)}
    assert calendar.workdays == {date(2026, 10, 10)}
    path.write_text(json.dumps({"holidays": ["2026-10-01"], "extra": []}))
    with pytest.raises(ValueError, match="COMPLAINTS_CALENDAR_FILE"):
        policy_of(settings)
    with pytest.raises(ValueError, match="need business hours"):
        policy_of(Settings(workdays="2026-10-10"))
