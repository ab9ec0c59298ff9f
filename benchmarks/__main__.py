"""`python -m benchmarks [--quick]` (also `complaints bench`): run every figure next to its
same-run baseline, print a table, write JSON with the machine facts."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from benchmarks import baselines, ingest_bench, pipeline_bench, sla_bench
from benchmarks.cpu import summary
from benchmarks.env import machine_facts, make_env
from benchmarks.report import table
from pipeline.settings import Settings

RESULTS = Path(__file__).parent / "results"
THREADS = 8
API_WORKERS = 2  # uvicorn processes serving the ingestion figures


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def repeat(runs: int, fn: Callable[[int], float]) -> dict[str, float]:
    return spread([fn(i) for i in range(runs)])


FIGURES = ("baselines", "throughput", "latency", "ingest", "sla", "memory")


def run(quick: bool, only: set[str], console: Console) -> dict[str, Any]:
    env = make_env(Settings.from_env(), Path(".local/logs/bench"))
    runs = 1 if quick else 3
    n_noop = 5_000 if quick else 20_000
    n_e2e = 400 if quick else 1_000
    env.reset()
    out: dict[str, Any] = {
        "quick": quick,
        "figures": sorted(only),
        "machine": machine_facts(env.settings.database_url),
        "started": datetime.now(UTC).isoformat(),
    }

    def step(name: str) -> None:
        console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {name}")

    def drain(actor: str, queue: str, count: int, processes: int) -> Callable[[int], float]:
        return lambda _: (
            baselines.dramatiq_drain(env, actor, queue, count, processes, THREADS).per_second
        )

    b: dict[str, Any] = {}
    for p in (1, 2):
        step(f"baseline: no-op drain, {p} process(es) x {THREADS} threads")
        b[f"noop_drain_{p}p"] = repeat(runs, drain("noop", "bench_noop", n_noop, p))
    if "baselines" in only:
        step("baseline: drain of one PostgreSQL UPDATE + INSERT per message, 2 processes")
        b["pg_txn_drain_2p"] = repeat(runs, drain("pg_touch", "bench_pg", n_noop // 2, 2))
    if only & {"baselines", "ingest"}:
        step(f"baseline: single-row commits, {2 * THREADS} threads, pooled")
        b["pg_commits"] = repeat(
            runs, lambda _: baselines.pg_commits(env, 2 * THREADS, 5.0).per_second
        )
        step("baseline: COPY of complaint-sized rows")
        b["pg_copy"] = repeat(
            runs, lambda _: baselines.pg_copy(env, 20_000 if quick else 100_000).per_second
        )
    out["baselines"] = b

    if only & {"throughput", "latency"}:
        e2e: dict[int, dict[str, float]] = {}
        rss: dict[int, float] = {}
        cpu: dict[int, dict[str, Any]] = {}
        for p in (1, 2) if quick else (1, 2, 4):
            step(f"end-to-end throughput, {p} worker process(es), {n_e2e} complaints")
            results = [
                pipeline_bench.throughput(env, n_e2e, p, THREADS, seed=100 * p + i)
                for i in range(runs)
            ]
            e2e[p] = spread([r.per_second for r in results])
            rss[p] = max(r.worker_rss_mb for r in results)
            cpu[p] = summary([(r.cpu, r.count) for r in results])
        out["throughput"] = e2e
        out["worker_rss_mb"] = rss
        out["cpu_per_complaint"] = cpu

    if "latency" in only:
        half = max(5.0, out["throughput"][2]["median"] / 2)
        step(f"latency at half the measured maximum ({half:.0f} complaints/s)")
        out["latency"] = pipeline_bench.latency(env, half, 10.0 if quick else 30.0, 2, THREADS, 7)

    if "ingest" in only:
        n_batch, n_single = (10_000, 3_000) if quick else (50_000, 10_000)
        out["ingest"] = {}
        with ingest_bench.gateway(env, API_WORKERS) as gw:
            step(f"ingestion: POST /v1/complaints/batch, {n_batch:,} complaints")
            batch = [ingest_bench.batch_endpoint(env, gw, n_batch, 10 + i) for i in range(runs)]
            step(f"ingestion: single POST /v1/complaints, 32 clients, {n_single:,} complaints")
            single = [ingest_bench.single_endpoint(env, gw, n_single, 20 + i) for i in range(runs)]
        for name, measured in (("batch", batch), ("single", single)):
            out["ingest"][name] = spread([m.per_second for m in measured])
            out["ingest"][f"cpu_{name}"] = summary([(m.cpu, m.count) for m in measured])

    if "sla" in only:
        out["sla"] = {}
        due = 2_000 if quick else 10_000
        for size in (20_000,) if quick else (100_000, 1_000_000):
            step(f"SLA scan: {due:,} due among {size:,} open deadlines, {runs} run(s)")
            figs = sla_bench.sla_scan(env, size, due, 2, THREADS, runs)
            out["sla"][str(size)] = {
                "due": due,
                "setup_seconds": figs[0].setup_seconds,
                "scan_seconds": spread([f.scan_seconds for f in figs]),
                "escalation_seconds": spread([f.escalation_seconds for f in figs]),
                "cpu_per_breach": summary([(f.cpu, due) for f in figs]),
            }

    if "memory" in only and not quick:  # quick shows the RSS after the throughput runs
        marks = (50_000, 100_000)
        step(f"memory: worker RSS after {marks[0]:,} and {marks[1]:,} complaints, 2 processes")
        out["memory"] = pipeline_bench.memory(env, marks, 2, THREADS, seed=900)
    out["finished"] = datetime.now(UTC).isoformat()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="complaints bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each")
    parser.add_argument(
        "--only",
        default=",".join(FIGURES),
        help=f"comma-separated figures to run (default all): {', '.join(FIGURES)}",
    )
    args = parser.parse_args(argv)
    only = {f.strip() for f in args.only.split(",") if f.strip()}
    if not only or only - set(FIGURES):
        parser.error(f"--only takes figures from: {', '.join(FIGURES)}; got {args.only!r}")
    console = Console(width=170)
    result = run(args.quick, only, console)
    console.print(table(result))
    RESULTS.mkdir(exist_ok=True)
    name = ("quick" if args.quick else "full") + "-" + datetime.now(UTC).strftime("%Y%m%dT%H%M")
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, default=str))
    console.print(f"wrote {RESULTS / (name + '.json')}")


if __name__ == "__main__":
    main()
