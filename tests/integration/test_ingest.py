"""`complaints ingest FILE.jsonl` against a real database, run twice on the same file."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import psycopg
import pytest

from pipeline.settings import Settings
from tests.cli import run_cli
from tests.factories import complaint_payload

pytestmark = pytest.mark.integration


def run_ingest(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(settings, "ingest", *args)


def test_ingest_is_idempotent_and_keeps_every_bad_line(settings: Settings, tmp_path: Path) -> None:
    lines = [
        json.dumps(
            complaint_payload(external_id=f"f-{i}", order__order_id=f"o-{i}"), ensure_ascii=False
        ).encode()
        for i in range(30)
    ]
    lines.insert(5, b'{"schema": "complaint.v1", "source": "BAD"}')
    lines.insert(9, b"")
    lines.insert(12, b"not json at all")
    lines.insert(20, b'{"title": "\xff\xfe broken utf-8"}')
    lines.append(lines[0])  # the same complaint twice in one file
    path = tmp_path / "load.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    first = run_ingest(settings, str(path), "--batch", "7")
    assert first.returncode == 0, first.stderr
    assert "accepted 30" in first.stdout and "invalid 3" in first.stdout
    assert "replayed 1" in first.stdout
    rejects = [
        json.loads(x) for x in (tmp_path / "load.jsonl.rejects.jsonl").read_text().splitlines()
    ]
    assert [r["line"] for r in rejects] == [6, 13, 21]
    assert rejects[0]["errors"][0]["path"] in {"source", "external_id"}
    assert rejects[2]["errors"][0]["rule"] == "invalid_utf8"

    second = run_ingest(settings, str(path), "--batch", "100", "--rate", "1000")
    assert second.returncode == 0, second.stderr
    assert "replayed 31" in second.stdout and "accepted" not in second.stdout
    with psycopg.connect(settings.database_url) as conn:
        complaints = conn.execute("SELECT count(*) FROM complaints").fetchone()
        kept = conn.execute(
            "SELECT line_no FROM ingest_quarantine WHERE received_via = 'file' ORDER BY line_no"
        ).fetchall()
        outbox = conn.execute("SELECT count(*) FROM outbox WHERE actor_name = 'review'").fetchone()
    assert complaints == (30,) and outbox == (30,)
    assert [k[0] for k in kept] == [6, 13, 21]


def test_missing_file_is_a_clear_error(settings: Settings, tmp_path: Path) -> None:
    result = run_ingest(settings, str(tmp_path / "absent.jsonl"))
    assert result.returncode == 2 and "does not exist" in result.stderr
