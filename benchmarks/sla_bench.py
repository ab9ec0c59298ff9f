"""SLA scan: fire 10,000 due deadlines hidden among N open ones; time the scan (scheduler
claims them and writes their outbox rows) and the escalation (breach applied by workers)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg

from benchmarks.cpu import CpuMeter, CpuUsage
from benchmarks.env import BenchEnv, wait_until
from benchmarks.pipeline_bench import Running
from pipeline.db.pool import make_pool
from workers.scheduler import schedule_once


@dataclass(frozen=True)
class SlaFigure:
    open_deadlines: int
    due: int
    scan_seconds: float
    escalation_seconds: float
    setup_seconds: float
    cpu: CpuUsage


def seed_deadlines(env: BenchEnv, source: str, open_count: int, due: int) -> None:
    """`open_count` complaints waiting on their merchant, each with its clock and the event
    that forwarded it; `due` of them already past due. Built server-side with
    generate_series."""
    with psycopg.connect(env.settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO complaints (source, external_id, payload_sha256, status, stage, category,"
            " buyer_id, merchant_id, order_id, order_amount_cents, currency, paid_at,"
            " submitted_at, title, description, requested_remedy, claimed_amount_cents,"
            " version, admitted_at)"
            " SELECT %(source)s, 'c-' || g, repeat('0', 64), 'awaiting_merchant', 'parties',"
            " 'service', 'b_' || g, 'm_' || (g %% 500), 'o_' || g, 12900, 'CNY', now(), now(),"
            " 'title', 'description', 'refund', 12900, 1, now()"
            " FROM generate_series(1, %(n)s) g",
            {"source": source, "n": open_count},
        )
        conn.execute(
            "INSERT INTO deadlines (complaint_id, kind, party, started_at, due_at, warn_at,"
            " warned_at)"
            " SELECT id, 'merchant_answer', 'merchant', now() - interval '3 days',"
            " CASE WHEN row_number() OVER () <= %(due)s THEN now() - interval '1 minute'"
            " ELSE now() + interval '3 days' END,"
            " now() - interval '3 days' + interval '1 second', now()"
            " FROM complaints WHERE source = %(source)s",
            {"source": source, "due": due},
        )
        conn.execute(
            "INSERT INTO complaint_events (complaint_id, seq, event, from_status, to_status,"
            " actor_role, actor_id, created_at)"
            " SELECT id, 1, 'merchant.dispatched', 'in_review', 'awaiting_merchant', 'system',"
            " 'pipeline', now() - interval '3 days' FROM complaints WHERE source = %(source)s",
            {"source": source},
        )
        conn.execute("ANALYZE complaints, deadlines, complaint_events")


ARM_SQL = """
UPDATE deadlines d SET due_at = now() - interval '1 minute'
FROM (
    SELECT d2.id FROM deadlines d2 JOIN complaints c ON c.id = d2.complaint_id
    WHERE c.source = %(source)s AND c.status = 'awaiting_merchant'
      AND d2.state = 'open' AND d2.due_at > now()
    LIMIT %(due)s
) s
WHERE d.id = s.id
"""


def arm_next(env: BenchEnv, source: str, due: int) -> None:
    """For the next run: `due` more of the waiting merchants' clocks fall due, the rest of
    the open ones (and the clocks the last run's breaches started) stay open."""
    with psycopg.connect(env.settings.database_url, autocommit=True) as conn:
        armed = conn.execute(ARM_SQL, {"source": source, "due": due}).rowcount
    if armed != due:
        raise RuntimeError(f"only {armed} of {due} open clocks left to arm")


def sla_scan(
    env: BenchEnv, open_count: int, due: int, processes: int, threads: int, runs: int = 1
) -> list[SlaFigure]:
    """`runs` runs over one seeded data set: each escalates `due` clocks while the others
    (about `open_count`) stay open."""
    env.reset()
    source = f"sla-{open_count}"
    t_setup = time.monotonic()
    seed_deadlines(env, source, open_count, due)
    setup = time.monotonic() - t_setup
    figures = []
    for i in range(runs):
        if i:
            arm_next(env, source, due)
        scan, escalation, cpu = _escalate(env, source, due, due * (i + 1), processes, threads)
        figures.append(SlaFigure(open_count, due, scan, escalation, setup, cpu))
    return figures


def _escalate(
    env: BenchEnv, source: str, due: int, escalated: int, processes: int, threads: int
) -> tuple[float, float, CpuUsage]:
    """Fire the `due` clocks now due; (scan, escalation) seconds once `escalated`
    complaints in all have reached remedy_in_progress, and the CPU it took."""
    pool = make_pool(env.settings.database_url, 2, name="bench-sla")
    pool.open(wait=True)
    running = Running(env, processes, threads)  # idle workers and relay, started first
    try:
        fired = 0
        meter = CpuMeter(running.workers.pid)
        t0 = time.monotonic()
        while fired < due:
            fired += schedule_once(pool, datetime.now(UTC), 500).fired
        scan = time.monotonic() - t0
        with psycopg.connect(env.settings.database_url, autocommit=True) as conn:
            t1 = wait_until(
                lambda: (
                    conn.execute(
                        "SELECT count(*) FROM complaints WHERE source = %s"
                        " AND status = 'remedy_in_progress'",
                        (source,),
                        prepare=False,  # a generic plan may scan every open complaint
                    ).fetchone()
                    == (escalated,)
                ),
                timeout=1800,
                poll=0.2,
            )
        cpu = meter.stop()
    finally:
        running.close()
        pool.close()
    return scan, t1 - t0, cpu
