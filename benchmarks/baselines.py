"""Baselines measured in the same run: raw Dramatiq drain (no-op, and one PostgreSQL
transaction per message), raw PostgreSQL single-row commits and COPY."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import psycopg
from dramatiq import Message

from benchmarks.env import BenchEnv, stop, wait_until
from pipeline.db.pool import make_pool
from workers.broker import build_broker
from workers.publish import publish_batch


@dataclass(frozen=True)
class Rate:
    per_second: float
    count: int
    seconds: float


def dramatiq_drain(
    env: BenchEnv, actor: str, queue: str, count: int, processes: int, threads: int
) -> Rate:
    """Enqueue `count` messages, then start workers and time the drain from the first
    message taken to the last one acknowledged (worker start-up excluded)."""
    broker = build_broker(env.settings)
    r = env.redis()
    r.delete(f"dramatiq:{queue}", f"dramatiq:{queue}.msgs")
    for start in range(0, count, 1000):
        publish_batch(
            broker,
            [
                Message(queue_name=queue, actor_name=actor, args=(i,), kwargs={}, options={})
                for i in range(start, min(count, start + 1000))
            ],
        )
    broker.close()
    workers = env.dramatiq(
        "benchmarks.noop_actors", processes, threads, [queue], f"baseline-{actor}-{processes}p"
    )
    try:
        t0 = wait_until(lambda: r.llen(f"dramatiq:{queue}") < count, timeout=60, poll=0.005)
        t1 = wait_until(lambda: r.hlen(f"dramatiq:{queue}.msgs") == 0, timeout=600)
    finally:
        stop(workers)
    return Rate(count / (t1 - t0), count, t1 - t0)


def pg_commits(env: BenchEnv, threads: int, seconds: float) -> Rate:
    """Single-row INSERT + COMMIT from `threads` threads sharing a pool."""
    pool = make_pool(env.settings.database_url, threads, name="bench")
    pool.open(wait=True)
    done = [0] * threads
    stop_at = time.monotonic() + seconds

    def work(i: int) -> None:
        while time.monotonic() < stop_at:
            with pool.connection() as conn, conn.transaction():
                conn.execute("INSERT INTO bench_log (n) VALUES (%s)", (i,))
            done[i] += 1

    t0 = time.monotonic()
    runners = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in runners:
        t.start()
    for t in runners:
        t.join()
    elapsed = time.monotonic() - t0
    pool.close()
    return Rate(sum(done) / elapsed, sum(done), elapsed)


def pg_copy(env: BenchEnv, rows: int) -> Rate:
    """COPY of complaint-sized rows (about 600 bytes each) into a scratch table."""
    text = "屏幕有坏点，附照片和开箱视频。" * 12
    with psycopg.connect(env.settings.database_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_copy (id int, source text,"
            " external_id text, buyer_id text, merchant_id text, amount bigint,"
            " title text, description text, at timestamptz)"
        )
        conn.execute("TRUNCATE bench_copy")
        t0 = time.monotonic()
        with conn.cursor() as cur, cur.copy("COPY bench_copy FROM STDIN") as copy:
            for i in range(rows):
                copy.write_row(
                    (
                        i,
                        "bench",
                        f"c-{i}",
                        f"b_{i}",
                        "m_1",
                        12900,
                        "标题",
                        text,
                        "2026-11-29T10:00:00+08:00",
                    )
                )
        elapsed = time.monotonic() - t0
    return Rate(rows / elapsed, rows, elapsed)
