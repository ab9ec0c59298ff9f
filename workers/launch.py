"""What `complaints worker` sets before it hands over to the dramatiq CLI: Dramatiq's own
knobs from the settings, a fresh Prometheus multiprocess directory and the state directory
for liveness beats. Imports no actor, so the benchmark harness can use it without declaring
any. Both directories are settings (COMPLAINTS_METRICS_DIR, COMPLAINTS_STATE_DIR): in a
container they point at a mounted volume, the root filesystem being read-only."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pipeline.ops.probe import pid_alive
from pipeline.settings import Settings


def dramatiq_env(settings: Settings) -> dict[str, str]:
    """Dramatiq's own knobs. An idle queue's consumer waits for its queue's wake-up
    (workers.wake_ups) and polls Redis at the latest every worker_idle_poll_ms, in case a
    message went unannounced; it is also the longest a worker takes to notice shutdown."""
    return {"dramatiq_worker_timeout": str(settings.worker_idle_poll_ms)}


def prepare_metrics_dir(settings: Settings) -> None:
    """A fresh multiprocess directory per worker start (stale files would skew counters),
    set before any worker process imports prometheus_client; and the state directory,
    without the beat files of worker processes that are gone."""
    path = Path(settings.metrics_dir)
    shutil.rmtree(path, ignore_errors=True)
    try:
        path.mkdir(parents=True, exist_ok=True)
        state = Path(settings.state_dir)
        state.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SystemExit(
            f"cannot create {exc.filename}: COMPLAINTS_METRICS_DIR and COMPLAINTS_STATE_DIR "
            "must name writable directories (a mounted volume in a container)"
        ) from None
    for beat in state.glob("worker-*.beat"):
        pid = beat.stem.removeprefix("worker-")
        if pid.isdigit() and not pid_alive(int(pid)):
            beat.unlink(missing_ok=True)
    os.environ["dramatiq_prom_db"] = str(path)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    os.environ["dramatiq_prom_host"] = settings.metrics_host
    os.environ["dramatiq_prom_port"] = str(settings.metrics_port)
