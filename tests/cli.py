"""Run the `complaints` console script in a subprocess with a test's settings."""

from __future__ import annotations

import os
import subprocess
import sys

from pipeline.settings import Settings


def run_cli(
    settings: Settings, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {
        **os.environ,
        "COMPLAINTS_DATABASE_URL": settings.database_url,
        "COMPLAINTS_REDIS_URL": settings.redis_url,
        "COMPLAINTS_S3_BUCKET": settings.s3_bucket,
        "COMPLAINTS_LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )
