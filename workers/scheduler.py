"""SLA scheduler: claim due deadlines and warnings in batches with FOR UPDATE SKIP LOCKED
and fire them through the outbox. Any number may run at once; none fires a deadline twice.
Between batches it sleeps until the next due time, bounded, never in a busy loop."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg_pool import ConnectionPool

from pipeline.db import dead_letters, deadlines, merchants
from pipeline.logging import get_logger
from pipeline.ops.probe import Beat, beat_path
from pipeline.settings import Settings
from workers.redrive import redrive

log = get_logger("workers.scheduler")


@dataclass(frozen=True)
class Tick:
    fired: int
    warned: int
    next_at: datetime | None


def schedule_once(pool: ConnectionPool[Any], now: datetime, batch_size: int) -> Tick:
    """One transaction: mark up to `batch_size` due deadlines fired (and warnings sent) and
    write one outbox message for each."""
    with pool.connection() as conn:
        with conn.transaction():
            fired = deadlines.fire_due(conn, now, batch_size)
            warned = deadlines.warn_due(conn, now, batch_size)
            # Supervision whose time is up is lifted by time, with its merchant event.
            merchants.lift_expired(conn, now, batch_size)
        next_at = deadlines.next_due_time(conn)
        if now.minute == 0 and now.second < 5:  # hourly housekeeping
            dead_letters.prune_deliveries(conn)
    return Tick(fired, warned, next_at)


def utcnow() -> datetime:
    return datetime.now(UTC)


def run_scheduler(
    pool: ConnectionPool[Any],
    batch_size: int = 500,
    max_sleep: float = 5.0,
    stop: threading.Event | None = None,
    clock: Callable[[], datetime] = utcnow,
    redrive_after: float = 120.0,
    beat: Callable[[], None] | None = None,
) -> None:
    """Loop until SIGTERM/SIGINT or `stop`; `beat` after every successful tick (the
    liveness probe's evidence, pipeline.ops.probe; by default the beat file in
    COMPLAINTS_STATE_DIR)."""
    stop = stop or threading.Event()
    beat = beat or Beat(beat_path(Settings.from_env().state_dir, "scheduler"))
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    log.info("scheduler started", batch_size=batch_size)
    totals = [0, 0]
    last_redrive = 0.0
    while not stop.is_set():
        if time.monotonic() - last_redrive > min(redrive_after / 4, 30.0):
            last_redrive = time.monotonic()
            try:
                again = redrive(pool, clock(), timedelta(seconds=redrive_after))
            except Exception:
                log.exception("re-drive failed; will try again")
                again = 0
            if again:
                log.warning("re-drove stuck work", messages=again)
        try:
            tick = schedule_once(pool, clock(), batch_size)
        except Exception:  # Postgres away: try again shortly, nothing is lost
            log.exception("scheduler tick failed; retrying")
            stop.wait(1.0)
            continue
        beat()
        totals[0] += tick.fired
        totals[1] += tick.warned
        if tick.fired or tick.warned:
            log.info("deadlines fired", fired=tick.fired, warned=tick.warned)
        if tick.fired == batch_size or tick.warned == batch_size:
            continue  # more are due right now
        wait = max_sleep
        if tick.next_at is not None:
            wait = min(max_sleep, max(0.05, (tick.next_at - clock()).total_seconds()))
        stop.wait(wait)
    log.info("scheduler stopped", fired=totals[0], warned=totals[1])
