"""Cases at scale: with many open complaints (and as many tallies of other products), a
burst on one SKU forms one case and tells staff once; what the case check adds per
complaint next to intake's own cost, in CPU of this process and of its PostgreSQL backend.

The check runs inside the dispatch step (pipeline.handlers.cases.count), so what it adds is
measured as dispatch with it against dispatch without it, group by group, alternating: the
burst's complaints are forwarded in the dispatch groups the relay forms, every other group
with the count switched off (its complaints on their own SKU, so they never meet a case).

    python -m benchmarks.case_bench [--open 100000] [--burst 1000] [--rounds 3]

Runs on a fresh database cloned from a migrated template (the local services)."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.cpu import TICK, stat_fields
from pipeline.db.pool import make_pool
from pipeline.db.store import Store, unit_of_work
from pipeline.handlers import cases as case_check
from pipeline.handlers.common import Item
from pipeline.handlers.dispatch import handle_dispatch
from pipeline.handlers.intake import accept
from pipeline.settings import Settings
from schemas.complaint import parse_complaint
from tests import services
from tests.factories import complaint_payload

#: Dispatch's group: the relay coalesces up to this many of a batch's outbox rows.
GROUP = Settings().stage_group_size
INTAKE_BATCH = 100  # an HTTP batch of intake (parse + accept in one transaction)
WARM = 4 * GROUP  # complaints forwarded (each way) before the measure

CPU = list[float]  # [this process's seconds, its backend's]


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


def _timed(pool: Any, work: Callable[[Store], object]) -> CPU:
    """(this process's CPU seconds, its backend's) for `work(store)` in one transaction."""
    with pool.connection() as conn:
        pid = conn.info.backend_pid
    before = (time.process_time(), _backend_seconds(pid))
    with unit_of_work(pool) as store:
        assert store.conn.info.backend_pid == pid  # the pool has one connection
        work(store)
    return [time.process_time() - before[0], _backend_seconds(pid) - before[1]]


@contextmanager
def _count_timed(pid: int, into: CPU) -> Iterator[None]:
    """The case check's own calls timed (what dispatch's update writes for it is not)."""
    count = case_check.count

    def timed(store: Store, arrivals: Any) -> case_check.Counted:
        before = (time.process_time(), _backend_seconds(pid))
        try:
            return count(store, arrivals)
        finally:
            into[0] += time.process_time() - before[0]
            into[1] += _backend_seconds(pid) - before[1]

    case_check.count = timed  # type: ignore[assignment]
    try:
        yield
    finally:
        case_check.count = count  # type: ignore[assignment]


@contextmanager
def _not_counted() -> Iterator[None]:
    count = case_check.count
    case_check.count = lambda store, arrivals: case_check.Counted()  # type: ignore[assignment]
    try:
        yield
    finally:
        case_check.count = count  # type: ignore[assignment]


def _add(total: CPU, cpu: CPU) -> None:
    total[0] += cpu[0]
    total[1] += cpu[1]


def run(open_complaints: int, burst: int, rounds: int = 3) -> dict[str, Any]:
    base = Settings.from_env()
    template = services.create_template(base)
    try:
        with services.cloned_database(base, template) as url:
            return _measure(url, open_complaints, burst, rounds)
    finally:
        services.drop_database(base, template)


def _measure(url: str, open_complaints: int, burst: int, rounds: int) -> dict[str, Any]:
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
        seeded = time.monotonic() - seeded
    with pool.connection() as conn:
        pid = conn.info.backend_pid
    # A worker's connection has forwarded complaints before: a warm-up burst each way, so
    # the first measured groups do not pay the statements' preparation and the case
    # tables' first use on this connection (a cost a running worker pays once).
    warm = _intake(pool, open_complaints, WARM, "warm", [0.0, 0.0])
    _forward(pool, warm, [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], pid)
    first = open_complaints + 2 * WARM
    bursts = [
        _burst(pool, url, first + 2 * n * burst, burst, f"burst-{n}", pid) for n in range(rounds)
    ]
    pool.close()
    shares = sorted(b["case_check_share_of_intake"] for b in bursts)
    return {
        "open_complaints": open_complaints,
        "burst": burst,
        "seed_seconds": round(seeded, 1),
        "bursts": bursts,
        "case_check_share_of_intake_median": shares[len(shares) // 2],
    }


def _burst(pool: Any, url: str, first: int, burst: int, tag: str, pid: int) -> dict[str, Any]:
    """One burst on SKU `tag` (and its control): intake, then dispatch with and without the
    case check; the case it formed, its members and how often staff were told."""
    intake: CPU = [0.0, 0.0]
    ids = _intake(pool, first, burst, tag, intake)
    counted: CPU = [0.0, 0.0]
    uncounted: CPU = [0.0, 0.0]
    own: CPU = [0.0, 0.0]
    _forward(pool, ids, counted, uncounted, own, pid)
    with psycopg.connect(url) as conn:
        (formed,) = conn.execute(
            "SELECT count(*) FROM cases WHERE product_key = %s", (f"sku:sku-{tag}",)
        ).fetchone() or (None,)
        (members,) = conn.execute(
            "SELECT count(*) FROM complaints WHERE case_id IS NOT NULL AND sku = %s",
            (f"sku-{tag}",),
        ).fetchone() or (None,)
        (told,) = conn.execute(
            "SELECT count(*) FROM notifications n JOIN complaints c ON c.id = n.complaint_id"
            " WHERE n.kind = 'platform.case_opened' AND c.sku = %s",
            (f"sku-{tag}",),
        ).fetchone() or (None,)
    per = 1000 / burst  # ms per complaint (intake took twice the burst: a control each)
    intake = [x / 2 for x in intake]
    added = sum(counted) - sum(uncounted)
    return {
        "cases": formed,
        "members": members,
        "staff_told": told,
        "intake_ms_per_complaint": [round(x * per, 3) for x in intake],
        "dispatch_ms_per_complaint": {
            "with_the_check": [round(x * per, 3) for x in counted],
            "without": [round(x * per, 3) for x in uncounted],
        },
        "case_check_ms_per_complaint": [
            round((c - u) * per, 3) for c, u in zip(counted, uncounted, strict=True)
        ],
        "case_check_own_calls_ms_per_complaint": [round(x * per, 3) for x in own],
        "case_check_share_of_intake": round(added / sum(intake), 3),
        "own_calls_share_of_intake": round(sum(own) / sum(intake), 3),
    }


def _intake(pool: Any, first: int, n: int, tag: str, total: CPU) -> list[tuple[str, str]]:
    """`n` pairs of complaints through intake's batch path (timed into `total`), the first
    of each pair on SKU `tag`, the second on a control SKU; then left where route leaves
    them (waiting for dispatch). Returns the (counted, control) id pairs."""
    ids: list[str] = []
    for start in range(first, first + 2 * n, INTAKE_BATCH):
        raw = []
        for k in range(start, min(start + INTAKE_BATCH, first + 2 * n)):
            sku = f"sku-{tag}" if k % 2 == 0 else f"sku-{tag}-control"
            raw.append({**_payload(k, sku, "m_burst"), "external_id": f"{sku}-{k}"})

        def parse_and_accept(store: Store, raw: Any = raw) -> None:
            # Intake as the gateway's batch endpoint runs it: parse, then accept.
            batch = [(parse_complaint(p), None) for p in raw]
            ids.extend(r.complaint_id for r in accept(store, batch))

        _add(total, _timed(pool, parse_and_accept))
    with pool.connection() as conn:
        conn.execute(
            "UPDATE complaints SET status = 'in_review', stage = 'dispatch',"
            " admitted_at = now(), route_queue = 'handle.product_quality'"
            " WHERE id = ANY(%s::uuid[])",
            (ids,),
        )
    return list(zip(ids[0::2], ids[1::2], strict=True))


def _forward(
    pool: Any, pairs: list[tuple[str, str]], counted: CPU, uncounted: CPU, own: CPU, pid: int
) -> None:
    """Dispatch in the relay's groups, alternating a group counted and a group not (which
    goes first alternates too)."""
    for n, start in enumerate(range(0, len(pairs), GROUP)):
        chunk = pairs[start : start + GROUP]
        burst = [Item(b, None) for b, _ in chunk]
        control = [Item(c, None) for _, c in chunk]
        runs = [(burst, counted, _count_timed(pid, own)), (control, uncounted, _not_counted())]
        for items, total, mode in runs if n % 2 == 0 else runs[::-1]:
            with mode:
                _add(total, _timed(pool, lambda store, items=items: handle_dispatch(store, items)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--open", type=int, default=100_000, dest="open_complaints")
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="bursts, each on its own SKU")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.open_complaints, args.burst, args.rounds), indent=2))


if __name__ == "__main__":
    main()
