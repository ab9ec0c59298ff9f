"""Connection pools, created closed and opened after fork (a pool cannot cross a fork).

Every pooled connection returns rows as dicts, so no user ever sees another's row factory."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from psycopg import Connection, OperationalError
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

T = TypeVar("T")
_returned_at: dict[int, float] = {}
#: A connection used within this many seconds is not checked again before reuse: under load
#: that saves a round trip per transaction; after a PostgreSQL restart a busy connection
#: fails once (the message is retried and the pool drops it), idle ones are checked.
CHECK_IDLE_SECONDS = 2.0


def _configure(conn: Connection[Any]) -> None:
    conn.row_factory = dict_row


def _check_if_idle(conn: Connection[Any]) -> None:
    if time.monotonic() - _returned_at.get(id(conn), 0.0) > CHECK_IDLE_SECONDS:
        ConnectionPool.check_connection(conn)


class Pool(ConnectionPool[Any]):
    """Notes when each connection comes back. (Not with the pool's `reset` hook: given
    one, psycopg_pool hands every returned connection to a background worker thread, and
    under load the worker threads wait for connections that are still in that queue.)"""

    def putconn(self, conn: Connection[Any]) -> None:
        _returned_at[id(conn)] = time.monotonic()
        super().putconn(conn)


def make_pool(
    database_url: str,
    max_size: int,
    name: str = "complaints",
    min_size: int = 1,
    wait_seconds: float = 30.0,
) -> ConnectionPool[Any]:
    """`wait_seconds`: how long a caller waits for a connection before PoolTimeout."""
    return Pool(
        database_url,
        min_size=min(min_size, max_size),
        max_size=max_size,
        open=False,
        name=name,
        timeout=wait_seconds,
        configure=_configure,
        # A PostgreSQL restart must not hand out dead connections.
        check=_check_if_idle,
        kwargs={"application_name": f"complaints-{name}", "autocommit": True},
    )


@contextmanager
def opened_pool(database_url: str, max_size: int, name: str) -> Iterator[ConnectionPool[Any]]:
    """A pool for a long-running command, open for the block's duration."""
    pool = make_pool(database_url, max_size, name=name)
    pool.open(wait=True, timeout=30)
    try:
        yield pool
    finally:
        pool.close()


def read(pool: ConnectionPool[Any], query: Callable[[Connection[Any]], T]) -> T:
    """Run a read-only `query`; once more on another connection if the first was dead (a
    recently used connection is not checked before reuse, so after a PostgreSQL restart
    each fails once and is dropped)."""
    try:
        with pool.connection() as conn:
            return query(conn)
    except OperationalError:
        with pool.connection() as conn:
            return query(conn)
