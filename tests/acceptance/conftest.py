from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.processes import Fleet
from pipeline.settings import Settings
from tests.api_server import free_port

METRICS_PORT = free_port()
METRICS_DIR = tempfile.mkdtemp(prefix="complaints-prom-")
STATE_DIR = tempfile.mkdtemp(prefix="complaints-state-")


def fleet_env(settings: Settings) -> dict[str, str]:
    """Environment for worker/relay subprocesses: this test's database, Redis db and bucket,
    short heartbeats so a killed worker's messages come back within seconds."""
    return {
        "COMPLAINTS_DATABASE_URL": settings.database_url,
        "COMPLAINTS_REDIS_URL": settings.redis_url,
        "COMPLAINTS_S3_BUCKET": settings.s3_bucket,
        "COMPLAINTS_REDIS_HEARTBEAT_TIMEOUT_MS": "3000",
        "COMPLAINTS_REDIS_MAINTENANCE_CHANCE": "100000",
        "COMPLAINTS_WORKER_MIN_BACKOFF_MS": "200",
        "COMPLAINTS_WORKER_MAX_BACKOFF_MS": "2000",
        "COMPLAINTS_LOG_FORMAT": "json",
        "COMPLAINTS_LOG_LEVEL": "INFO",
        "COMPLAINTS_METRICS_PORT": str(METRICS_PORT),
        "COMPLAINTS_METRICS_DIR": METRICS_DIR,
        "COMPLAINTS_STATE_DIR": STATE_DIR,
    }


@pytest.fixture
def fleet(settings: Settings, tmp_path: Path) -> Iterator[Fleet]:
    f = Fleet(env=fleet_env(settings), log_dir=tmp_path / "logs", processes=2, threads=4)
    try:
        yield f
    finally:
        f.stop()
