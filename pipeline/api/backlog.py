"""The intake backlog the gateway refuses work over (429): unsent outbox rows plus messages
waiting for review, measured at most once a second and by one caller at a time.

Counting unsent outbox rows walks them, so under the backlog this guards against it is
slow: when every request that found the measurement stale counted for itself, 32 clients
kept about five counts running at once and halved single-submission throughput. Callers
that find a refresh under way use the last measurement."""

from __future__ import annotations

import threading
import time
from typing import Any

import redis
from psycopg_pool import ConnectionPool

from pipeline.api.errors import Overloaded
from pipeline.logging import get_logger

log = get_logger("pipeline.api.backlog")

MAX_AGE_SECONDS = 1.0
RETRY_AFTER_SECONDS = 5


class Backlog:
    def __init__(self, pool: ConnectionPool[Any], redis: Any, limit: int) -> None:
        self.pool = pool
        self.redis = redis
        self.limit = limit
        self.measured_at = float("-inf")
        self.value = 0
        self.review_queued = 0
        self.stale = False
        self._refreshing = threading.Lock()

    def claim_refresh(self) -> bool:
        """True when the measurement is stale and this caller is to refresh it (then it
        must call `refresh`); False when it is fresh or another caller is refreshing."""
        if time.monotonic() - self.measured_at <= MAX_AGE_SECONDS:
            return False
        return self._refreshing.acquire(blocking=False)

    def refresh(self) -> None:
        """Measure again. Intake needs only PostgreSQL: while Redis is away the review queue
        keeps its last length (`stale`) and the outbox, which then grows, still counts."""
        try:
            with self.pool.connection() as conn:
                row = conn.execute("SELECT count(*) AS n FROM outbox").fetchone()
            try:
                self.review_queued = int(self.redis.llen("dramatiq:review"))
                self.stale = False
            except redis.RedisError:
                if not self.stale:
                    log.warning(
                        "backlog: the review queue cannot be measured; using its last length"
                    )
                self.stale = True
            self.value = int(row["n"] if row else 0) + self.review_queued
            self.measured_at = time.monotonic()
        finally:
            self._refreshing.release()

    def check(self) -> None:
        """Refresh if due (in the calling thread), then refuse if over the limit."""
        if self.claim_refresh():
            self.refresh()
        self.refuse_if_over()

    def refuse_if_over(self) -> None:
        if self.value > self.limit:
            raise Overloaded(self.value, retry_after=RETRY_AFTER_SECONDS)
