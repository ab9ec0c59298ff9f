"""Per-process adapters for the actors (pool, S3, notifier, payments port), created after
fork on first use."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from typing import Any

from psycopg_pool import ConnectionPool

from pipeline import calendar_file
from pipeline.adapters.evidence_store import S3EvidenceStore
from pipeline.adapters.notifier import Notifier, make_notifier
from pipeline.adapters.payments import PaymentPort, RedisStreamPayments
from pipeline.db.pool import make_pool
from pipeline.db.store import Now, Store, unit_of_work, utcnow
from pipeline.domain.sla import SlaPolicy
from pipeline.logging import configure_logging
from pipeline.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    pool: ConnectionPool[Any]
    evidence: S3EvidenceStore
    notifier: Notifier
    policy: SlaPolicy
    payments: PaymentPort
    clock: Now = utcnow

    def uow(self) -> AbstractContextManager[Store]:
        return unit_of_work(self.pool, clock=self.clock, policy=self.policy)

    def close(self) -> None:
        self.pool.close()


_lock = threading.Lock()
_current: tuple[int, Runtime] | None = None


def runtime() -> Runtime:
    """This process's runtime; a forked child gets its own (a pool cannot cross a fork)."""
    global _current
    with _lock:
        if _current is None or _current[0] != os.getpid():
            settings = Settings.from_env()
            configure_logging(settings.log_format, settings.log_level)
            # Every worker thread needs a connection from its first message on: opening
            # them at boot, not one at a time under load, keeps a new worker's first
            # seconds as fast as the rest.
            size = settings.db_pool_max_size
            pool = make_pool(settings.database_url, size, name="worker", min_size=size)
            pool.open(wait=True, timeout=30)
            _current = (
                os.getpid(),
                _build(settings, pool),
            )
        return _current[1]


def _build(settings: Settings, pool: ConnectionPool[Any]) -> Runtime:
    return Runtime(
        settings,
        pool,
        S3EvidenceStore(settings),
        make_notifier(settings),
        policy_of(settings),
        RedisStreamPayments(settings.redis_url),
    )


def policy_of(settings: Settings) -> SlaPolicy:
    return calendar_file.policy_of(settings)


def close_runtime() -> None:
    global _current
    with _lock:
        if _current is not None and _current[0] == os.getpid():
            _current[1].close()
        _current = None


@contextmanager
def bound(settings: Settings, clock: Now = utcnow) -> Iterator[None]:
    """Test helper: run with explicit settings (and an injected clock) in this process."""
    global _current
    pool = make_pool(settings.database_url, settings.db_pool_max_size, name="test")
    pool.open(wait=True, timeout=30)
    previous = _current
    _current = (
        os.getpid(),
        replace(_build(settings, pool), clock=clock),
    )
    try:
        yield
    finally:
        pool.close()
        _current = previous
