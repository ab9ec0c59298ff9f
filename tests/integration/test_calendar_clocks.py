"""Deadlines on a business calendar with holidays and a make-up working day (调休) read
from a calendar file: the merchant's clock falls due on the make-up Saturday and the
scheduler fires it there."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.settings import Settings
from tests.inline import status_of
from tests.integration.test_sla import FakeClock, _objects, new_complaint, rows, tick
from workers.runtime import bound

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("calendar", "due"),
    [
        ({"workdays": ["2026-11-28"]}, datetime(2026, 11, 28, 4, 0, tzinfo=UTC)),  # Sat 12:00
        ({"holidays": ["2026-11-30"]}, datetime(2026, 12, 1, 4, 0, tzinfo=UTC)),  # Tue 12:00
        ({}, datetime(2026, 11, 30, 4, 0, tzinfo=UTC)),  # Mon 12:00
    ],
)
def test_merchant_clock_follows_the_calendar_file(
    settings: Settings, tmp_path: Path, calendar: dict[str, list[str]], due: datetime
) -> None:
    _objects(settings)
    path = tmp_path / "calendar.json"
    path.write_text(json.dumps(calendar))
    hours = replace(
        settings,
        business_hours="mon-fri 09:00-18:00",
        sla_windows='{"awaiting_merchant": 4}',
        calendar_file=str(path),
    )
    clock = FakeClock()  # Friday 17:00 in Shanghai
    with bound(hours, clock=clock):
        cid = new_complaint(settings)
        (d,) = rows(settings, "SELECT due_at FROM deadlines WHERE state = 'open'")
        assert d["due_at"] == due
        clock.now = due - timedelta(seconds=1)
        assert tick(settings, clock)[0] == 0
        clock.now = due
        assert tick(settings, clock)[0] == 1
    assert status_of(settings, cid)["status"] == "remedy_in_progress"
