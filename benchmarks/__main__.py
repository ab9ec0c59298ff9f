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
from rich.table import Table

from benchmarks import baselines, pipeline_bench, sla_bench
from benchmarks.env import machine_facts, make_env
from pipeline.settings import Settings

RESULTS = Path(__file__).parent / "results"
THREADS = 8


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def repeat(runs: int, fn: Callable[[int], float]) -> dict[str, float]:
    return spread([fn(i) for i in range(runs)])


def run(quick: bool, console: Console) -> dict[str, Any]:
    env = make_env(Settings.from_env(), Path(".local/logs/bench"))
    runs = 1 if quick else 3
    n_noop = 5_000 if quick else 20_000
    n_e2e = 400 if quick else 2_000
    env.reset()
    out: dict[str, Any] = {
        "quick": quick,
        "machine": machine_facts(),
        "started": datetime.now(UTC).isoformat(),
    }

    def step(name: str) -> None:
        console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {name}")

    noop: dict[int, dict[str, float]] = {}
    for p in (1, 2):
        step(f"baseline: no-op drain, {p} process(es) x {THREADS} threads")
        noop[p] = repeat(
            runs,
            lambda _, p=p: (
                baselines.dramatiq_drain(env, "noop", "bench_noop", n_noop, p, THREADS).per_second
            ),
        )
    step("baseline: drain of one PostgreSQL UPDATE + INSERT per message, 2 processes")
    pg_drain = repeat(
        runs,
        lambda _: (
            baselines.dramatiq_drain(
                env, "pg_touch", "bench_pg", n_noop // 2, 2, THREADS
            ).per_second
        ),
    )
    step(f"baseline: single-row commits, {2 * THREADS} threads, pooled")
    commits = repeat(runs, lambda _: baselines.pg_commits(env, 2 * THREADS, 5.0).per_second)
    step("baseline: COPY of complaint-sized rows")
    copy = repeat(runs, lambda _: baselines.pg_copy(env, 20_000 if quick else 100_000).per_second)
    out["baselines"] = {
        "noop_drain_1p": noop[1],
        "noop_drain_2p": noop[2],
        "pg_txn_drain_2p": pg_drain,
        "pg_commits": commits,
        "pg_copy": copy,
    }

    e2e: dict[int, dict[str, float]] = {}
    rss: dict[int, float] = {}
    for p in (1, 2) if quick else (1, 2, 4):
        step(f"end-to-end throughput, {p} worker process(es), {n_e2e} complaints")
        results = [
            pipeline_bench.throughput(env, n_e2e, p, THREADS, seed=100 * p + i) for i in range(runs)
        ]
        e2e[p] = spread([r.per_second for r in results])
        rss[p] = max(r.worker_rss_mb for r in results)
    out["throughput"] = e2e
    out["worker_rss_mb"] = rss

    half = max(5.0, e2e[2]["median"] / 2)
    step(f"latency at half the measured maximum ({half:.0f} complaints/s)")
    out["latency"] = pipeline_bench.latency(env, half, 10.0 if quick else 30.0, 2, THREADS, 7)

    sla_sizes = (100_000,) if quick else (100_000, 1_000_000)
    out["sla"] = {}
    for size in sla_sizes:
        step(f"SLA scan: 10,000 due among {size:,} open deadlines")
        fig = sla_bench.sla_scan(env, size, 10_000, 2, THREADS)
        out["sla"][str(size)] = fig.__dict__
    out["finished"] = datetime.now(UTC).isoformat()
    return out


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("[green]met[/]" if ok else "[red]not met[/]")


def table(r: dict[str, Any]) -> Table:
    t = Table(title="Benchmark (" + ("quick" if r["quick"] else "full") + ")")
    for col in ("figure", "value (median, min-max)", "baseline", "ratio", "goal", "verdict"):
        t.add_column(col)

    def fmt(s: dict[str, float], unit: str) -> str:
        return f"{s['median']:.1f} {unit} ({s['min']:.1f}-{s['max']:.1f})"

    b = r["baselines"]
    for p, key in ((1, "noop_drain_1p"), (2, "noop_drain_2p")):
        ratio = r["throughput"][p]["median"] / b[key]["median"]
        t.add_row(
            f"end-to-end, {p} proc",
            fmt(r["throughput"][p], "complaints/s"),
            fmt(b[key], "no-op msgs/s"),
            f"{ratio:.3f}",
            ">= 0.10",
            verdict(ratio >= 0.10),
        )
    if 4 in r["throughput"]:
        t.add_row("end-to-end, 4 proc", fmt(r["throughput"][4], "complaints/s"), "", "", "", "")
    scaling = r["throughput"][2]["median"] / r["throughput"][1]["median"]
    t.add_row(
        "scaling 2 proc / 1 proc", f"{scaling:.2f}", "", "", ">= 1.5", verdict(scaling >= 1.5)
    )
    lat = r["latency"]
    t.add_row(
        f"latency at {lat['rate']:.0f}/s (p50/p95/p99)",
        f"{lat['p50']:.3f} / {lat['p95']:.3f} / {lat['p99']:.3f} s",
        "",
        "",
        "p99 <= 1 s",
        verdict(lat["p99"] <= 1.0),
    )
    for size, fig in r["sla"].items():
        t.add_row(
            f"SLA: 10k due among {int(size):,} open",
            f"scan {fig['scan_seconds']:.2f} s, escalated {fig['escalation_seconds']:.1f} s",
            "",
            "",
            "<= 10 s",
            verdict(fig["escalation_seconds"] <= 10),
        )
    if len(r["sla"]) == 2:
        a, c = (r["sla"][k]["scan_seconds"] for k in ("100000", "1000000"))
        t.add_row("SLA scan 1M / 100k", f"{c / a:.2f}", "", "", "~1 (within noise)", "")
    for p, mb in r["worker_rss_mb"].items():
        t.add_row(f"worker RSS, {p} proc", f"{mb:.0f} MB", "", "", "<= 150 MB", verdict(mb <= 150))
    t.add_row("baseline: pg txn drain 2 proc", fmt(b["pg_txn_drain_2p"], "msgs/s"), "", "", "", "")
    t.add_row("baseline: pg commits", fmt(b["pg_commits"], "commits/s"), "", "", "", "")
    t.add_row("baseline: pg COPY", fmt(b["pg_copy"], "rows/s"), "", "", "", "")
    return t


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each")
    args = parser.parse_args(argv)
    console = Console(width=160)
    result = run(args.quick, console)
    console.print(table(result))
    RESULTS.mkdir(exist_ok=True)
    name = ("quick" if args.quick else "full") + "-" + datetime.now(UTC).strftime("%Y%m%dT%H%M")
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, default=str))
    console.print(f"wrote {RESULTS / (name + '.json')}")


if __name__ == "__main__":
    main()
