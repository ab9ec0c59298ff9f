"""`complaints demo`, the main job of `./dev run`, as a newcomer sees it: a finished run ends
with every bar full (each bar's total is what can reach its stage, and the database agrees),
and the summary ends with next steps whose complaint id is a real one of the run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from pipeline.settings import Settings
from tests.acceptance.conftest import fleet_env
from tests.cli import run_cli

pytestmark = pytest.mark.acceptance

BARS = re.compile(
    r"^(intake|review|evidence checked|sent to merchant|notifications)\s+━+\s+(\d+)/(\d+)",
    re.MULTILINE,
)


def test_a_finished_demo_reads_as_finished(settings: Settings, tmp_path: Path) -> None:
    env = {**os.environ, **fleet_env(settings), "COMPLAINTS_LOG_LEVEL": "WARNING"}
    args = ["demo", "--count", "40", "--processes", "1", "--threads", "4", "--timeout", "180"]
    run = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        env=env,
        cwd=tmp_path,  # the demo writes its workers' logs under ./.local
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    bars = {name: (int(done), int(total)) for name, done, total in BARS.findall(run.stdout)}
    assert list(bars) == [
        "intake",
        "review",
        "evidence checked",
        "sent to merchant",
        "notifications",
    ], run.stdout
    assert all(done == total for done, total in bars.values()), bars

    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute("SELECT status::text, count(*) FROM complaints GROUP BY 1").fetchall()
    by_status = {status: int(n) for status, n in rows}
    complaints = sum(by_status.values())
    passed_review = complaints - by_status.get("rejected", 0) - by_status.get("in_review", 0)
    assert bars["review"][1] == complaints
    assert bars["evidence checked"][1] == passed_review
    assert bars["sent to merchant"][1] == by_status["awaiting_merchant"]
    assert f"left at evidence: {by_status['awaiting_evidence']} awaiting" in run.stdout

    lines = run.stdout.splitlines()
    assert "What next:" in lines
    steps = lines[lines.index("What next:") :]
    shown = [m[1] for line in steps if (m := re.fullmatch(r" +complaints show (\S+)", line))]
    assert "      complaints status" in steps
    assert len(shown) == 1
    view = run_cli(settings, "show", shown[0], "--no-events")
    assert view.returncode == 0, view.stderr
    assert json.loads(view.stdout)["status"] == "awaiting_merchant"
