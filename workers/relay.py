"""Outbox relay: publish committed outbox rows to Redis and mark them sent.

A crash between publish and commit republishes the rows with the same message ids; every
handler is idempotent, so a second copy changes nothing. Several relays may run at once:
rows are claimed with FOR UPDATE SKIP LOCKED.
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

from psycopg_pool import ConnectionPool

from pipeline.db.queries import q
from pipeline.logging import get_logger
from workers.coalesce import messages_for
from workers.publish import publish_batch

log = get_logger("workers.relay")

PRUNE_EVERY_SECONDS = 60.0
KEEP_SENT = "10 minutes"


def relay_once(pool: ConnectionPool[Any], broker: Any, batch_size: int) -> int:
    """Publish up to `batch_size` unsent rows in one transaction; return how many rows."""
    with pool.connection() as conn:
        with conn.transaction():
            rows = conn.execute(q("claim_outbox"), {"limit": batch_size}).fetchall()
            if not rows:
                return 0
            publish_batch(broker, messages_for(rows))
            conn.execute(q("mark_outbox_sent"), {"ids": [r["id"] for r in rows]})
    return len(rows)


def prune_sent(pool: ConnectionPool[Any]) -> int:
    with pool.connection() as conn:
        return int(conn.execute(q("prune_outbox"), {"keep": KEEP_SENT}).rowcount)


def run_relay(
    pool: ConnectionPool[Any],
    broker: Any,
    batch_size: int = 500,
    idle_seconds: float = 0.05,
    stop: threading.Event | None = None,
) -> None:
    stop = stop or threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        if threading.current_thread() is threading.main_thread():
            signal.signal(sig, lambda *_: stop.set())
    published, last_prune = 0, time.monotonic()
    log.info("relay started", batch_size=batch_size)
    while not stop.is_set():
        try:
            sent = relay_once(pool, broker, batch_size)
        except Exception:  # Postgres or Redis away: keep trying, nothing is lost
            log.exception("relay batch failed; retrying")
            stop.wait(1.0)
            continue
        published += sent
        if time.monotonic() - last_prune > PRUNE_EVERY_SECONDS:
            prune_sent(pool)
            last_prune = time.monotonic()
        if sent < batch_size:
            stop.wait(idle_seconds)
    log.info("relay stopped", published=published)
