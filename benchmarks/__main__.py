"""`python -m benchmarks [--quick]` (also `./dev bench`): run every figure next to its
same-run baseline, print a table, write JSON with the machine facts."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console

from benchmarks import (
    baselines,
    cgroups,
    goals,
    ingest_bench,
    intake_floor,
    list_bench,
    pipeline_bench,
    sla_bench,
)
from benchmarks.cpu import summary
from benchmarks.env import BenchEnv, machine_facts, make_env
from benchmarks.report import table
from benchmarks.speed import SpeedLog
from pipeline.settings import Settings

RESULTS = Path(__file__).parent / "results"
THREADS = 8
API_WORKERS = 2  # uvicorn processes serving the ingestion figures


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    last = len(ordered) - 1
    return {
        "n": len(ordered),
        "p50": ordered[min(last, int(0.5 * len(ordered)))],
        "p95": ordered[min(last, int(0.95 * len(ordered)))],
        "max": ordered[last],
    }


def ratios(figures: list[float], bases: list[float]) -> dict[str, float]:
    """Each run's figure over the baseline measured just before it, as a spread."""
    return spread([f / b for f, b in zip(figures, bases, strict=True)])


FIGURES = ("baselines", "throughput", "latency", "scaleout", "ingest", "sla", "memory", "list")


@dataclass
class Run:
    """One `./dev bench` run: its environment, sizes and progress lines. Before each
    step it probes the machine's speed (see benchmarks/speed.py)."""

    env: BenchEnv
    quick: bool
    console: Console
    speed: SpeedLog = field(default_factory=SpeedLog)

    @property
    def runs(self) -> int:
        return 1 if self.quick else 3

    def step(self, name: str) -> None:
        ms = self.speed.take(name)
        clock = time.strftime("%H:%M:%S")
        self.console.print(f"[dim]{clock}[/] {name} [dim](speed probe {ms:.1f} ms)[/]")

    def noop_drain(self, processes: int) -> float:
        count = 5_000 if self.quick else 20_000
        return baselines.dramatiq_drain(
            self.env, "noop", "bench_noop", count, processes, THREADS
        ).per_second

    def pg_commits(self) -> float:
        return baselines.pg_commits(self.env, 2 * THREADS, 5.0).per_second

    def pg_copy(self) -> float:
        return baselines.pg_copy(self.env, 20_000 if self.quick else 100_000).per_second


def throughput(run: Run, out: dict[str, Any], noop: dict[int, list[float]]) -> None:
    """End-to-end runs, each right after its own no-op drain, the process counts in turn:
    the machine's speed drifts, and a ratio of two runs minutes apart measures that too.
    (How the pipeline scales out is the `scaleout` figure, under CPU caps.)"""
    n = 1_000 if run.quick else 3_000
    procs = (1, 2)
    results: dict[int, list[pipeline_bench.Throughput]] = {p: [] for p in procs}
    for i in range(run.runs):
        label = f"run {i + 1}/{run.runs}"
        for p in procs:
            if p in noop:
                run.step(f"{label}: no-op drain, {p} process(es) x {THREADS} threads")
                noop[p].append(run.noop_drain(p))
            run.step(f"{label}: end-to-end, {p} worker process(es), {n} complaints")
            results[p].append(pipeline_bench.throughput(run.env, n, p, THREADS, 100 * p + i))
    rates = {p: [r.per_second for r in rs] for p, rs in results.items()}
    out["throughput"] = {p: spread(v) for p, v in rates.items()}
    out["worker_rss_mb"] = {p: max(r.worker_rss_mb for r in rs) for p, rs in results.items()}
    out["cpu_per_complaint"] = {
        p: summary([(r.cpu, r.count) for r in rs]) for p, rs in results.items()
    }
    out["paired_ratios"].update({f"e2e_{p}p": ratios(rates[p], noop[p]) for p in (1, 2)})


def scaleout(run: Run, out: dict[str, Any]) -> None:
    """End to end with each worker process in its own cgroup capped at CAP_CORES (a
    worker pod each), services uncapped; 1, 2 and 4 processes in turn, each given
    `per` complaints per process so every run lasts about as long. Ratios run by run."""
    procs = (1, 2, 4)
    per = 250 if run.quick else 2_000
    caps = cgroups.open_caps(max(procs), goals.CAP_CORES)
    if isinstance(caps, str):
        run.console.print(f"[yellow]scale-out figure skipped: {caps}[/]")
        out["scaleout"] = {"skipped": caps}
        return
    results: dict[int, list[pipeline_bench.Throughput]] = {p: [] for p in procs}
    try:
        for i in range(run.runs):
            for p in procs:
                run.step(
                    f"run {i + 1}/{run.runs}: scale-out, {p} worker process(es) capped at"
                    f" {goals.CAP_CORES} core each, {per * p:,} complaints"
                )
                results[p].append(
                    pipeline_bench.throughput(
                        run.env, per * p, p, THREADS, 500 + 10 * p + i, caps[:p]
                    )
                )
    finally:
        cgroups.close_caps(caps)
    rates = {p: [r.per_second for r in rs] for p, rs in results.items()}
    out["scaleout"] = {
        "cap_cores": goals.CAP_CORES,
        "cgroup": f"v{caps[0].layout.version}",
        "per_process": per,
        "rates": {p: spread(v) for p, v in rates.items()},
        "ratios": {f"{p}/1": ratios(rates[p], rates[1]) for p in procs[1:]},
        "cpu": {p: summary([(r.cpu, r.count) for r in rs]) for p, rs in results.items()},
        # share of each capped process's quota periods spent throttled: near 1 means the
        # cap was the limit, as the figure intends; lower, something else held it back
        "throttled": {
            p: statistics.mean(t["throttled_share"] for r in rs for t in r.throttled)
            for p, rs in results.items()
        },
    }


def ingest(run: Run, out: dict[str, Any], b: dict[str, list[float]]) -> None:
    """Each ingestion run right after its baseline: COPY of the rows intake writes for the
    same complaints (benchmarks/intake_floor.py) before the batch endpoint, the naive peer
    (benchmarks/naive_peer.py) before the gateway's single POSTs; the servers not being
    measured idle."""
    n_batch, n_single = (10_000, 3_000) if run.quick else (50_000, 10_000)
    batch: list[ingest_bench.Ingest] = []
    single: list[ingest_bench.Ingest] = []
    peers: list[ingest_bench.Ingest] = []
    floors: list[intake_floor.Floor] = []
    env = run.env
    with (
        ingest_bench.gateway(env, API_WORKERS) as gw,
        ingest_bench.naive_peer(env, API_WORKERS) as peer,
    ):
        for i in range(run.runs):
            label = f"run {i + 1}/{run.runs}"
            payloads = ingest_bench.payloads(f"batch-{10 + i}", n_batch, 10 + i)
            run.step(f"{label}: intake into the scratch database for the COPY baseline")
            rows = intake_floor.derive(env.scratch_url, payloads)
            run.step(f"{label}: baseline COPY of intake's rows, then POST batch, {n_batch:,}")
            floors.append(intake_floor.copy_floor(env.settings.database_url, rows, f"floor-{i}"))
            b["intake_copy"].append(floors[-1].rate.per_second)
            batch.append(ingest_bench.batch_endpoint(env, gw, payloads))
            run.step(
                f"{label}: naive peer, then the gateway, single POSTs, 32 clients, {n_single:,}"
            )
            peers.append(
                ingest_bench.single_endpoint(
                    env, peer, n_single, 20 + i, table=ingest_bench.PEER_TABLE
                )
            )
            b["naive_peer"].append(peers[-1].per_second)
            single.append(ingest_bench.single_endpoint(env, gw, n_single, 20 + i))
    # nothing drains what ingestion left queued; later figures must not inherit it
    with psycopg.connect(env.settings.database_url, autocommit=True) as conn:
        conn.execute("TRUNCATE outbox")
    out["ingest"] = {}
    for name, measured, base in (("batch", batch, "intake_copy"), ("single", single, "naive_peer")):
        rates = [m.per_second for m in measured]
        out["ingest"][name] = spread(rates)
        out["ingest"][f"cpu_{name}"] = summary([(m.cpu, m.count) for m in measured])
        out["paired_ratios"][f"ingest_{name}"] = ratios(rates, b[base])
    out["ingest"]["cpu_floor"] = summary([(f.cpu, f.rate.count) for f in floors])
    out["ingest"]["cpu_peer"] = summary([(m.cpu, m.count) for m in peers])
    out["ingest"]["floor_rows"] = rows.rows()


def measure(quick: bool, only: set[str], console: Console) -> dict[str, Any]:
    run = Run(make_env(Settings.from_env(), Path(".local/logs/bench")), quick, console)
    env = run.env
    env.reset()
    out: dict[str, Any] = {
        "quick": quick,
        "figures": sorted(only),
        "machine": machine_facts(env.settings.database_url),
        "started": datetime.now(UTC).isoformat(),
        "paired_ratios": {},
    }
    noop: dict[int, list[float]] = {1: [], 2: []}
    pg: dict[str, list[float]] = {
        "pg_commits": [],
        "pg_copy": [],
        "intake_copy": [],
        "naive_peer": [],
    }
    if only & {"throughput", "latency"}:
        throughput(run, out, noop)
    elif "baselines" in only:
        for p in (1, 2):
            run.step(f"baseline: no-op drain, {p} process(es) x {THREADS} threads")
            noop[p] = [run.noop_drain(p) for _ in range(run.runs)]
    txn: list[float] = []
    if "baselines" in only and not quick:  # context only, like the PostgreSQL ones below
        run.step("baseline: drain of one PostgreSQL UPDATE + INSERT per message, 2 processes")
        count = 2_500 if quick else 10_000
        txn = [
            baselines.dramatiq_drain(env, "pg_touch", "bench_pg", count, 2, THREADS).per_second
            for _ in range(run.runs)
        ]

    if "latency" in only:
        half = max(5.0, out["throughput"][2]["median"] / 2)
        run.step(f"latency at half the measured maximum ({half:.0f} complaints/s)")
        out["latency"] = pipeline_bench.latency(env, half, 10.0 if quick else 30.0, 2, THREADS, 7)

    if "scaleout" in only:
        scaleout(run, out)

    if "ingest" in only:
        ingest(run, out, pg)
    if "baselines" in only and not quick:  # context only: no figure is judged against them
        run.step(f"baseline: single-row commits, {2 * THREADS} threads, pooled; COPY")
        pg["pg_commits"] = [run.pg_commits() for _ in range(run.runs)]
        pg["pg_copy"] = [run.pg_copy() for _ in range(run.runs)]
    named = {f"noop_drain_{p}p": v for p, v in noop.items()} | pg | {"pg_txn_drain_2p": txn}
    out["baselines"] = {name: spread(v) for name, v in named.items() if v}

    if "sla" in only:
        out["sla"] = {}
        due = 2_000 if quick else 10_000
        for size in (20_000,) if quick else (100_000, 1_000_000):
            run.step(f"SLA scan: {due:,} due among {size:,} open deadlines, {run.runs} run(s)")
            figs = sla_bench.sla_scan(env, size, due, 2, THREADS, run.runs)
            out["sla"][str(size)] = {
                "due": due,
                "setup_seconds": figs[0].setup_seconds,
                "scan_seconds": spread([f.scan_seconds for f in figs]),
                "escalation_seconds": spread([f.escalation_seconds for f in figs]),
                "cpu_per_breach": summary([(f.cpu, due) for f in figs]),
            }

    if "list" in only:
        size, merchants, requests = (100_000, 100, 100) if quick else (1_000_000, 1_000, 300)
        run.step(f"work list: merchant inbox pages of 50 among {size:,} complaints")
        fig = list_bench.list_pages(env, size, merchants, requests)
        out["list"] = {
            "complaints": fig.complaints,
            "merchants": fig.merchants,
            "setup_seconds": fig.setup_seconds,
            "first_page_ms": percentiles(fig.first_page_ms),
            "next_page_ms": percentiles(fig.next_page_ms),
            "plan": fig.plan,
        }

    if "memory" in only and not quick:  # quick shows the RSS after the throughput runs
        marks = (50_000, 100_000)
        run.step(f"memory: worker RSS after {marks[0]:,} and {marks[1]:,} complaints, 2 processes")
        out["memory"] = pipeline_bench.memory(env, marks, 2, THREADS, seed=900)
    out["speed_probe_ms"] = run.speed.summary()
    out["finished"] = datetime.now(UTC).isoformat()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
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
    # The harness measures the local services (deploy/local), with their S3 identity; its
    # worker processes inherit this.
    os.environ.setdefault("COMPLAINTS_ENV", "local")
    console = Console(width=170)
    result = measure(args.quick, only, console)
    console.print(table(result))
    RESULTS.mkdir(exist_ok=True)
    name = ("quick" if args.quick else "full") + "-" + datetime.now(UTC).strftime("%Y%m%dT%H%M")
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, default=str))
    console.print(f"wrote {RESULTS / (name + '.json')}")


if __name__ == "__main__":
    main()
