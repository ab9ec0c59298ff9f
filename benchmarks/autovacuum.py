"""A stand-in for autovacuum while a figure runs, on a server that has it off.

Without fresh statistics PostgreSQL keeps the plans it made while a table was empty: the
foreign-key checks of every backend (`SELECT 1 FROM complaint_events WHERE … FOR KEY SHARE`)
and the workers' prepared statements stay sequential scans as the table grows, and the
queue tables (outbox, notifications) pile up dead rows. A production server has autovacuum
on; the figures should not measure its absence. This thread applies autovacuum's own
thresholds (analyze after 50 + 10 % of a table's rows changed, vacuum after 50 + 20 % dead)
every `interval` seconds; an ANALYZE invalidates the cached plans that depend on the table.
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg
from psycopg import sql

from pipeline.logging import get_logger

log = get_logger("benchmarks.autovacuum")

DUE_SQL = """
SELECT s.relname,
       s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0) AS analyze,
       s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0) AS vacuum
FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.schemaname = 'public'
"""


def autovacuum_on(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT setting FROM pg_settings WHERE name = 'autovacuum'").fetchone()
    return row is not None and row[0] == "on"


def tend_once(conn: psycopg.Connection[Any]) -> list[str]:
    """Vacuum and/or analyze the tables past autovacuum's thresholds; return what was done."""
    done = []
    for name, analyze, vacuum in conn.execute(DUE_SQL).fetchall():
        if vacuum:
            conn.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(name)))
            done.append(f"vacuum {name}")
        elif analyze:
            conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(name)))
            done.append(f"analyze {name}")
    return done


class AutoVacuum:
    """Runs `tend_once` every `interval` seconds in a daemon thread until closed; does
    nothing when the server's own autovacuum is on."""

    def __init__(self, database_url: str, interval: float = 2.0) -> None:
        self.database_url = database_url
        self.interval = interval
        self.stopped = threading.Event()
        self.rounds = 0
        self.thread = threading.Thread(target=self._run, name="bench-autovacuum", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            if autovacuum_on(conn):
                return
            while not self.stopped.wait(self.interval):
                try:
                    tend_once(conn)
                    self.rounds += 1
                except psycopg.Error as exc:  # a figure still runs; it is only slower
                    log.warning("autovacuum stand-in failed", error=str(exc))

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(60)
