"""Cases at scale: with many open complaints (and as many tallies of other products), a
burst on one SKU forms one case and tells staff once; what the case count costs per
complaint next to intake's own cost, in CPU of this process and of its PostgreSQL backend.

    python -m benchmarks.case_bench [--open 100000] [--burst 1000]

Runs on a fresh database cloned from a migrated template (the local services)."""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.cpu import TICK, stat_fields
from pipeline.db.pool import make_pool
from pipeline.db.store import unit_of_work
from pipeline.domain.stages import STAGES, Job
from pipeline.handlers.cases import count_cases
from pipeline.handlers.common import Item
from pipeline.handlers.intake import accept
from pipeline.handlers.review import Skipped
from pipeline.settings import Settings
from schemas.complaint import parse_complaint
from tests import services
from tests.factories import complaint_payload

#: The relay's largest case_count group: what the stage table gives the job (the relay
#: coalesces up to this many outbox rows of one batch into one message).
GROUP = STAGES[Job.CASE_COUNT].group
INTAKE_BATCH = 100  # an HTTP batch of intake (parse + accept in one transaction)
WARM = 1000  # seeded complaints counted again (changing nothing) before the measure


def _backend_seconds(pid: int) -> float:
    """The backend's CPU time: from /proc/<pid>/schedstat in nanoseconds where the kernel
    keeps it (the figures here are a few milliseconds per 100 complaints, so clock ticks of
    10 ms, /proc/<pid>/stat's unit, made them vary by a third from run to run)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (FileNotFoundError, IndexError, ValueError):
        fields = stat_fields(Path(f"/proc/{pid}/stat").read_text())
        return (int(fields[11]) + int(fields[12])) / TICK


def _complaint(n: int, sku: str, merchant: str) -> Any:
    return parse_complaint(_payload(n, sku, merchant))


def _payload(n: int, sku: str, merchant: str) -> dict[str, Any]:
    return complaint_payload(
        external_id=f"x-{n}",
        buyer_id=f"b_{n}",
        merchant_id=merchant,
        order__order_id=f"o-{n}",
        order__sku=sku,
        evidence=[],
        submitted_at=datetime.now(UTC).isoformat(),
    )


def _timed(pool: Any, work: Any) -> tuple[float, float]:
    """(this process's CPU seconds, its backend's) for `work(store)` in one transaction."""
    with pool.connection() as conn:
        pid = conn.info.backend_pid
    before = (time.process_time(), _backend_seconds(pid))
    with unit_of_work(pool) as store:
        assert store.conn.info.backend_pid == pid  # the pool has one connection
        work(store)
    return time.process_time() - before[0], _backend_seconds(pid) - before[1]


def run(open_complaints: int, burst: int) -> dict[str, Any]:
    base = Settings.from_env()
    template = services.create_template(base)
    try:
        with services.cloned_database(base, template) as url:
            return _measure(url, open_complaints, burst)
    finally:
        services.drop_database(base, template)


def _measure(url: str, open_complaints: int, burst: int) -> dict[str, Any]:
    pool = make_pool(url, 1, name="case-bench", min_size=1)
    pool.open(wait=True)
    seeded = time.monotonic()
    for start in range(0, open_complaints, 1000):
        batch = [
            (_complaint(n, f"sku-{n}", f"m_{n % 5000}"), None)
            for n in range(start, min(start + 1000, open_complaints))
        ]
        with unit_of_work(pool) as store:
            accept(store, batch)
    with psycopg.connect(url, autocommit=True) as conn:  # as many tallies of other products
        conn.execute(
            "INSERT INTO case_tallies (merchant_id, product_key, category, complaint_ids,"
            " arrived_at) SELECT merchant_id, 'sku:' || sku, category, ARRAY[id], ARRAY[now()]"
            " FROM complaints"
        )
        conn.execute("ANALYZE")
        warm = [str(r[0]) for r in conn.execute("SELECT id FROM complaints LIMIT %s", (WARM,))]
    seeded = time.monotonic() - seeded
    # A worker's connection has counted complaints before, as the seeding ran intake's
    # statements on this connection before intake is measured: replay the count of some
    # seeded complaints, each counted already (its tally holds it), which changes nothing.
    # Without it the first measured group paid the case tables' first use on the connection
    # (catalog caches, statement preparation: about 5 ms, an eighth of the whole figure),
    # a cost a running worker pays once.
    for start in range(0, len(warm), GROUP):
        with unit_of_work(pool) as store:
            replayed = count_cases(store, [Item(cid, None) for cid in warm[start : start + GROUP]])
        assert all(isinstance(r, Skipped) for r in replayed), "the warm-up changed tallies"
    intake = [0.0, 0.0]
    ids: list[str] = []
    for start in range(0, burst, INTAKE_BATCH):
        raw = [
            _payload(open_complaints + n, "sku-burst", "m_burst")
            for n in range(start, min(start + INTAKE_BATCH, burst))
        ]

        def parse_and_accept(store: Any, raw: Any = raw) -> None:
            # Intake as the gateway's batch endpoint runs it: parse, then accept.
            batch = [(parse_complaint(p), None) for p in raw]
            ids.extend(r.complaint_id for r in accept(store, batch))

        cpu = _timed(pool, parse_and_accept)
        intake = [intake[0] + cpu[0], intake[1] + cpu[1]]
    with psycopg.connect(url, autocommit=True) as conn:  # as dispatch leaves them
        conn.execute(
            "UPDATE complaints SET status = 'awaiting_merchant', stage = 'parties'"
            " WHERE id = ANY(%s::uuid[])",
            (ids,),
        )
    cases = [0.0, 0.0]
    for start in range(0, burst, GROUP):
        group = [Item(cid, None) for cid in ids[start : start + GROUP]]
        cpu = _timed(pool, lambda store, group=group: count_cases(store, group))
        cases = [cases[0] + cpu[0], cases[1] + cpu[1]]
    with psycopg.connect(url) as conn:
        formed = conn.execute("SELECT count(*) FROM cases").fetchone()
        members = conn.execute("SELECT count(*) FROM case_members").fetchone()
        told = conn.execute(
            "SELECT count(*) FROM notifications WHERE kind = 'platform.case_opened'"
        ).fetchone()
    pool.close()
    per = 1000 / burst  # ms per complaint
    out = {
        "open_complaints": open_complaints,
        "burst": burst,
        "seed_seconds": round(seeded, 1),
        "cases": formed[0] if formed else None,
        "members": members[0] if members else None,
        "staff_told": told[0] if told else None,
        "intake_ms_per_complaint": {
            "harness": round(intake[0] * per, 3),
            "postgres": round(intake[1] * per, 3),
        },
        "case_count_ms_per_complaint": {
            "harness": round(cases[0] * per, 3),
            "postgres": round(cases[1] * per, 3),
        },
    }
    out["case_count_share_of_intake"] = round(sum(cases) / sum(intake), 3) if sum(intake) else None
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--open", type=int, default=100_000, dest="open_complaints")
    parser.add_argument("--burst", type=int, default=1000)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.open_complaints, args.burst), indent=2))


if __name__ == "__main__":
    main()
