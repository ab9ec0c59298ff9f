"""Connection pools, created closed and opened after fork (a pool cannot cross a fork)."""

from __future__ import annotations

from psycopg import Connection
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool


def make_pool(
    database_url: str, max_size: int, name: str = "complaints"
) -> ConnectionPool[Connection[TupleRow]]:
    return ConnectionPool(
        database_url,
        min_size=1,
        max_size=max_size,
        open=False,
        name=name,
        # A PostgreSQL restart must not hand out dead connections.
        check=ConnectionPool.check_connection,
        kwargs={"application_name": f"complaints-{name}", "autocommit": True},
    )
