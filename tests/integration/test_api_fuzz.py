"""schemathesis against the live server's OpenAPI document: no server errors and no
undocumented status codes, for every operation. (The schemathesis CLI is used: its pytest
plugin does not load under pytest 9.)"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.settings import Settings
from tests.api_server import serving

pytestmark = pytest.mark.integration


def test_schemathesis_finds_no_server_error_or_undocumented_status(
    settings: Settings, tmp_path: Path
) -> None:
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert cli, "schemathesis is a dev dependency (pip install -e '.[dev]')"
    with serving(settings) as url:
        run = subprocess.run(
            [
                cli,
                "run",
                f"{url}/openapi.json",
                "--checks",
                "not_a_server_error,status_code_conformance",
                "-H",
                "Authorization: Bearer all-scopes-token-0123456",
                "--max-examples",
                "25",
                "--seed",
                "20261129",
                "--phases",
                "examples,coverage,fuzzing",
                "--report",
                "junit",
                "--report-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
