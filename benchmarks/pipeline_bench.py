"""End-to-end figures: throughput accepted -> awaiting_merchant, scaling, latency, memory."""

from __future__ import annotations

import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg

from benchmarks.autovacuum import AutoVacuum
from benchmarks.cgroups import CpuCap, throttling
from benchmarks.cpu import CpuMeter, CpuUsage, descendants
from benchmarks.env import (
    BenchEnv,
    heartbeats,
    stop,
    wait_for_finish,
    wait_for_new_workers,
    wait_until,
)
from pipeline.adapters.s3 import make_s3_client
from pipeline.db.pool import make_pool
from pipeline.db.store import unit_of_work
from pipeline.domain.routing import all_queues
from pipeline.domain.stages import group_sizes
from pipeline.handlers.intake import accept
from pipeline.sample import Generator, upload_all
from schemas.complaint import parse_complaint
from workers.broker import build_broker
from workers.relay import run_relay

#: Polled while the pipeline runs, so it must load the database it measures little: both
#: counts walk this run's rows by index (custom plans: see `progress`), and
#: `wait_for_finish` polls often only near the end.
DONE_SQL = (
    "SELECT (SELECT count(*) FROM complaints"
    "  WHERE source = %(source)s AND status = 'awaiting_merchant'),"
    " (SELECT count(*) FROM notifications n JOIN complaints c ON c.id = n.complaint_id"
    "  WHERE n.delivered_at IS NULL AND c.source = %(source)s)"
)


def progress(conn: psycopg.Connection[Any], source: str) -> tuple[int, int]:
    """(complaints at awaiting_merchant, notifications not yet delivered) of one run.
    Not prepared: a generic plan would not know which source is small."""
    row = conn.execute(DONE_SQL, {"source": source}, prepare=False).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def vacuum_analyze(env: BenchEnv) -> None:
    """Before timing, what autovacuum would have done by now: fresh statistics for a
    database just created and filled, and the dead rows of earlier runs' queue tables
    (outbox, notifications) gone. A shared server may have autovacuum off (this one does;
    the JSON's machine facts say), and then every relay poll would walk them."""
    with psycopg.connect(env.settings.database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


@dataclass(frozen=True)
class Throughput:
    per_second: float
    count: int
    seconds: float
    worker_rss_mb: float
    cpu: CpuUsage
    throttled: list[dict[str, float]] = field(default_factory=list)  # per capped cgroup


def prepare(env: BenchEnv, source: str, count: int, seed: int) -> list[dict[str, Any]]:
    gen = Generator(seed, datetime.now(UTC), source=source, id_prefix=f"{source}-")
    payloads = gen.valid_payloads(count)
    upload_all(make_s3_client(env.settings, max_pool=32), env.settings.s3_bucket, gen.uploads)
    return payloads


def accept_all(env: BenchEnv, payloads: list[dict[str, Any]]) -> None:
    pool = make_pool(env.settings.database_url, 2, name="bench-accept")
    pool.open(wait=True)
    for start in range(0, len(payloads), 200):
        with unit_of_work(pool) as store:
            for p in payloads[start : start + 200]:
                accept(store, [(parse_complaint(p), None)])
    pool.close()


def worker_rss_mb(main: subprocess.Popen[bytes]) -> float:
    """Largest resident set among the dramatiq worker processes (children of `main`)."""
    out = subprocess.run(["pgrep", "-P", str(main.pid)], capture_output=True, text=True).stdout
    sizes = []
    for pid in out.split():
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return max(sizes, default=0.0)


class Running:
    """Workers as real dramatiq processes; the relay in a thread of this process. With
    `caps`, one `--processes 1` launch per cap (a worker pod each), moved with the process
    it forked into its capped cgroup once booted (booting at 0.15 of a core would take
    seconds per run and measure nothing); without, one launch of `processes` processes."""

    def __init__(
        self, env: BenchEnv, processes: int, threads: int, caps: list[CpuCap] | None = None
    ) -> None:
        self.env = env
        vacuum_analyze(env)
        self.autovacuum = AutoVacuum(env.settings.database_url)
        r = env.redis()
        earlier = heartbeats(r)  # of the workers of earlier figures, stopped by now
        queues = all_queues()
        if caps is None:
            self.launches = [
                env.dramatiq("workers.actors", processes, threads, queues, f"workers-{processes}p")
            ]
        else:
            assert len(caps) == processes
            self.launches = [
                env.dramatiq(
                    "workers.actors", 1, threads, queues, f"workers-capped-{processes}p-{i}"
                )
                for i in range(processes)
            ]
        wait_for_new_workers(r, earlier, processes, timeout=60)
        for cap, launch in zip(caps or [], self.launches, strict=False):
            cap.move(descendants(launch.pid))
        self.pool = make_pool(env.settings.database_url, 2, name="bench-relay")
        self.pool.open(wait=True)
        self.broker = build_broker(env.settings)
        self.stop_relay = threading.Event()
        self.relay = threading.Thread(
            target=run_relay,
            # the relay as deployed: its batch size and idle wait from the settings
            args=(
                self.pool,
                self.broker,
                group_sizes(env.settings.stage_group_size),
                env.settings.relay_batch_size,
                env.settings.relay_idle_seconds,
                self.stop_relay,
            ),
            daemon=True,
        )
        self.relay.start()

    @property
    def workers(self) -> subprocess.Popen[bytes]:
        """The one launch of an uncapped run."""
        assert len(self.launches) == 1
        return self.launches[0]

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.launches]

    def rss_mb(self) -> float:
        return max(worker_rss_mb(p) for p in self.launches)

    def close(self) -> None:
        self.stop_relay.set()
        self.relay.join(10)
        self.pool.close()
        self.broker.close()
        for launch in self.launches:
            stop(launch)
        self.autovacuum.close()


def throughput(
    env: BenchEnv,
    count: int,
    processes: int,
    threads: int,
    seed: int,
    caps: list[CpuCap] | None = None,
) -> Throughput:
    source = f"tput-{processes}p-{seed}" + ("-capped" if caps else "")
    payloads = prepare(env, source, count, seed)
    accept_all(env, payloads)  # accepted (durable, with their outbox rows); not timed
    running = Running(env, processes, threads, caps)
    try:
        stats = [cap.stat() for cap in caps or []]
        meter = CpuMeter(running.pids)
        t0 = time.monotonic()
        with psycopg.connect(env.settings.database_url, autocommit=True) as conn:

            def check() -> tuple[int, bool]:
                dispatched, undelivered = progress(conn, source)
                return dispatched, (dispatched, undelivered) == (count, 0)

            t1 = wait_for_finish(check, count, timeout=900)
        cpu = meter.stop()
        throttled = [throttling(s, cap.stat()) for s, cap in zip(stats, caps or [], strict=True)]
        rss = running.rss_mb()
    finally:
        running.close()
    return Throughput(count / (t1 - t0), count, t1 - t0, rss, cpu, throttled)


def latency(
    env: BenchEnv,
    rate: float,
    seconds: float,
    processes: int,
    threads: int,
    seed: int,
    warmup_seconds: float = 3.0,
) -> dict[str, float]:
    """Accept complaints at `rate` per second; report accepted -> awaiting_merchant of
    those accepted after `warmup_seconds` of the same feed (new processes' first seconds:
    imports, first connections to S3, statements not yet prepared)."""
    count = max(20, int(rate * seconds))
    warm = int(rate * warmup_seconds)
    source = f"lat-{seed}"
    payloads = prepare(env, f"{source}-warm", warm, seed + 1) + prepare(env, source, count, seed)
    running = Running(env, processes, threads)
    pool = make_pool(env.settings.database_url, 2, name="bench-feed")
    pool.open(wait=True)
    try:
        start = time.monotonic()
        for i, p in enumerate(payloads):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            with unit_of_work(pool) as store:
                accept(store, [(parse_complaint(p), None)])
        with psycopg.connect(env.settings.database_url, autocommit=True) as conn:
            wait_until(lambda: progress(conn, source) == (count, 0), timeout=600, poll=0.05)
            rows = conn.execute(
                "SELECT extract(epoch FROM d.created_at - a.created_at) FROM complaints c"
                " JOIN complaint_events a ON a.complaint_id = c.id AND a.event = 'intake.accepted'"
                " JOIN complaint_events d ON d.complaint_id = c.id"
                " AND d.event = 'merchant.dispatched' WHERE c.source = %s",
                (source,),
            ).fetchall()
    finally:
        pool.close()
        running.close()
    values = sorted(float(r[0]) for r in rows)
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": q[49],
        "p95": q[94],
        "p99": q[98],
        "count": len(values),
        "rate": rate,
        "warmup_seconds": warmup_seconds,
    }


def memory(
    env: BenchEnv, checkpoints: tuple[int, ...], processes: int, threads: int, seed: int
) -> dict[str, float]:
    """Worker RSS (largest process, MB) once each checkpoint's count of complaints has
    reached awaiting_merchant. A feeder thread generates, uploads and accepts complaints
    in chunks while the workers run, so the backlog never runs dry."""
    source = f"mem-{seed}"
    total = max(checkpoints)
    chunk = 2_000
    fed = [0]
    failed: list[BaseException] = []

    def feed() -> None:
        s3 = make_s3_client(env.settings, max_pool=16)
        try:
            while fed[0] < total:
                n = min(chunk, total - fed[0])
                gen = Generator(
                    seed + fed[0], datetime.now(UTC), source=source, id_prefix=f"m{fed[0]}-"
                )
                payloads = gen.valid_payloads(n)
                upload_all(s3, env.settings.s3_bucket, gen.uploads)
                accept_all(env, payloads)
                fed[0] += n
        except BaseException as exc:  # reported by the measuring thread
            failed.append(exc)

    running = Running(env, processes, threads)
    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    out: dict[str, float] = {}
    try:
        with psycopg.connect(env.settings.database_url, autocommit=True) as conn:
            for mark in sorted(checkpoints):

                def reached(mark: int = mark) -> bool:
                    if failed:
                        raise RuntimeError("feeding complaints failed") from failed[0]
                    return progress(conn, source)[0] >= mark

                wait_until(reached, timeout=7_200, poll=1.0)
                out[str(mark)] = running.rss_mb()
    finally:
        feeder.join(600)
        running.close()
    return out
