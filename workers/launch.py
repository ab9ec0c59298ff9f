"""What `complaints worker` sets before it hands over to the dramatiq CLI: Dramatiq's own
knobs from the settings, and a fresh Prometheus multiprocess directory. Imports no actor,
so the benchmark harness can use it without declaring any."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pipeline.settings import Settings


def dramatiq_env(settings: Settings) -> dict[str, str]:
    """Dramatiq's own knobs. An idle queue's consumer waits for its queue's wake-up
    (workers.wake_ups) and polls Redis at the latest every worker_idle_poll_ms, in case a
    message went unannounced; it is also the longest a worker takes to notice shutdown."""
    return {"dramatiq_worker_timeout": str(settings.worker_idle_poll_ms)}


def prepare_metrics_dir(settings: Settings) -> None:
    """A fresh multiprocess directory per worker start (stale files would skew counters),
    set before any worker process imports prometheus_client."""
    path = Path(settings.metrics_dir)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    os.environ["dramatiq_prom_db"] = str(path)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    os.environ["dramatiq_prom_host"] = settings.metrics_host
    os.environ["dramatiq_prom_port"] = str(settings.metrics_port)
