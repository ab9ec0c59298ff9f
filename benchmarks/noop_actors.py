"""Baseline actors on the project's broker: a no-op, and one PostgreSQL UPDATE + INSERT."""

from __future__ import annotations

import os
import threading

import dramatiq
import psycopg

from workers.broker import broker  # noqa: F401  (the same broker and middleware)

_local = threading.local()


@dramatiq.actor(queue_name="bench_noop", max_retries=0)
def noop(n: int) -> None:
    return None


@dramatiq.actor(queue_name="bench_pg", max_retries=0)
def pg_touch(n: int) -> None:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(os.environ["COMPLAINTS_DATABASE_URL"])
    with conn.transaction():
        conn.execute("UPDATE bench_counter SET n = n + 1 WHERE id = %s", (n % 64,))
        conn.execute("INSERT INTO bench_log (n) VALUES (%s)", (n,))
