"""The deadline policy of a process: its settings plus, optionally, a calendar file of
holidays and make-up working days (调休) as published each year, e.g.
`{"holidays": ["2026-10-01", "2026-10-02"], "workdays": ["2026-10-10"]}`."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.domain.sla import SlaPolicy, make_policy
from pipeline.settings import Settings


def read_calendar_file(path: str) -> tuple[list[str], list[str]]:
    """(holidays, workdays) listed in the file; refuses anything else."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"COMPLAINTS_CALENDAR_FILE {path}: {exc}") from None
    if not isinstance(raw, dict) or set(raw) - {"holidays", "workdays"}:
        raise ValueError(
            f"COMPLAINTS_CALENDAR_FILE {path}: a JSON object with 'holidays' and 'workdays'"
        )
    lists = [raw.get("holidays", []), raw.get("workdays", [])]
    if not all(isinstance(v, list) and all(isinstance(d, str) for d in v) for v in lists):
        raise ValueError(f"COMPLAINTS_CALENDAR_FILE {path}: lists of YYYY-MM-DD dates")
    return lists[0], lists[1]


def policy_of(settings: Settings) -> SlaPolicy:
    holidays, workdays = [settings.holidays], [settings.workdays]
    if settings.calendar_file:
        more_holidays, more_workdays = read_calendar_file(settings.calendar_file)
        holidays += more_holidays
        workdays += more_workdays
    return make_policy(
        settings.sla_windows,
        settings.business_hours,
        ",".join(holidays),
        settings.timezone,
        ",".join(workdays),
    )
