"""Outbox relay: publish committed outbox rows to Redis and delete them, in one transaction.

A crash between publish and commit republishes the rows with the same message ids; every
handler is idempotent, so a second copy changes nothing. Several relays may run at once:
rows are claimed with FOR UPDATE SKIP LOCKED.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Mapping
from typing import Any

from psycopg_pool import ConnectionPool

from pipeline.db import outbox
from pipeline.logging import get_logger
from pipeline.ops.probe import Beat, beat_path
from pipeline.settings import Settings
from workers.coalesce import messages_for
from workers.publish import publish_batch

log = get_logger("workers.relay")

#: After a batch that found rows, the next poll comes this soon: while work flows, a hop
#: waits for the relay about this long, not the idle wait.
BUSY_WAIT_SECONDS = 0.005


def next_wait(previous: float, found: int, idle_seconds: float) -> float:
    """How long to wait before the next poll: soon after a poll that found rows, then
    twice as long after each poll that found none, up to `idle_seconds` (what an idle
    relay costs the database)."""
    if found:
        return min(BUSY_WAIT_SECONDS, idle_seconds)
    return min(idle_seconds, 2 * max(previous, BUSY_WAIT_SECONDS))


def relay_once(
    pool: ConnectionPool[Any], broker: Any, batch_size: int, sizes: Mapping[str, int]
) -> int:
    """Publish up to `batch_size` unsent rows in one transaction, coalesced into groups of
    at most `sizes[actor]` (workers.coalesce.group_sizes); return how many rows."""
    with pool.connection() as conn:
        with conn.transaction():
            rows = outbox.claim(conn, batch_size)
            if not rows:
                return 0
            publish_batch(broker, messages_for(rows, sizes))
            outbox.delete_published(conn, [r["id"] for r in rows])
    return len(rows)


def run_relay(
    pool: ConnectionPool[Any],
    broker: Any,
    sizes: Mapping[str, int],
    batch_size: int = 500,
    idle_seconds: float = 0.05,
    stop: threading.Event | None = None,
    beat: Callable[[], None] | None = None,
) -> None:
    """Loop until SIGTERM/SIGINT or `stop`; `beat` after every successful batch (the
    liveness probe's evidence, pipeline.ops.probe; by default the beat file in
    COMPLAINTS_STATE_DIR)."""
    stop = stop or threading.Event()
    beat = beat or Beat(beat_path(Settings.from_env().state_dir, "relay"))
    for sig in (signal.SIGTERM, signal.SIGINT):
        if threading.current_thread() is threading.main_thread():
            signal.signal(sig, lambda *_: stop.set())
    published, wait = 0, idle_seconds
    log.info("relay started", batch_size=batch_size)
    while not stop.is_set():
        try:
            sent = relay_once(pool, broker, batch_size, sizes)
        except Exception:  # Postgres or Redis away: keep trying, nothing is lost
            log.exception("relay batch failed; retrying")
            stop.wait(1.0)
            continue
        beat()
        published += sent
        wait = next_wait(wait, sent, idle_seconds)
        if sent < batch_size:
            stop.wait(wait)
    log.info("relay stopped", published=published)
