"""Connection pools, created closed and opened after fork (a pool cannot cross a fork).

Every pooled connection returns rows as dicts, so no user ever sees another's row factory."""

from __future__ import annotations

from typing import Any

from psycopg import Connection
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool


def _configure(conn: Connection[Any]) -> None:
    conn.row_factory = dict_row


def make_pool(database_url: str, max_size: int, name: str = "complaints") -> ConnectionPool[Any]:
    return ConnectionPool(
        database_url,
        min_size=1,
        max_size=max_size,
        open=False,
        name=name,
        configure=_configure,
        # A PostgreSQL restart must not hand out dead connections.
        check=ConnectionPool.check_connection,
        kwargs={"application_name": f"complaints-{name}", "autocommit": True},
    )
