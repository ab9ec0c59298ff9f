"""What the gateway modules (complaints, deadlines, events, cases, ...) share: a named
statement of queries.sql run on a connection, or inside a unit of work once its deferred
writes are written (pipeline.db.pending), so reads see every step before them. Only the
modules of pipeline/db name queries; everything else calls their functions
(tests/unit/test_db_gateway.py checks it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from psycopg import Connection, Cursor
from psycopg.rows import dict_row

from pipeline.db.queries import q

Row = dict[str, Any]


class Store(Protocol):
    """The unit of work (pipeline.db.store.Store): its connection, after its pending
    writes."""

    def connection(self) -> Connection[Any]: ...


Db = Connection[Any] | Store  # a connection, or the unit of work


def execute(
    db: Db, name: str, params: Mapping[str, Any] | None = None, *, prepare: bool | None = None
) -> Cursor[Row]:
    """Run the query called `name`; rows come as dicts whatever the connection's factory."""
    conn = db if isinstance(db, Connection) else db.connection()
    return conn.cursor(row_factory=dict_row).execute(q(name), params, prepare=prepare)


def one(db: Db, name: str, params: Mapping[str, Any] | None = None) -> Row | None:
    return execute(db, name, params).fetchone()


def every(db: Db, name: str, params: Mapping[str, Any] | None = None) -> list[Row]:
    return execute(db, name, params).fetchall()


def run(db: Db, name: str, params: Mapping[str, Any] | None = None) -> int:
    """Run a write; answers the rows it touched."""
    return execute(db, name, params).rowcount
