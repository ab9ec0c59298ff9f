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

from benchmarks import baselines, ingest_bench, pipeline_bench, sla_bench
from benchmarks.env import machine_facts, make_env
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
        for p in (1, 2) if quick else (1, 2, 4):
            step(f"end-to-end throughput, {p} worker process(es), {n_e2e} complaints")
            results = [
                pipeline_bench.throughput(env, n_e2e, p, THREADS, seed=100 * p + i)
                for i in range(runs)
            ]
            e2e[p] = spread([r.per_second for r in results])
            rss[p] = max(r.worker_rss_mb for r in results)
        out["throughput"] = e2e
        out["worker_rss_mb"] = rss

    if "latency" in only:
        half = max(5.0, out["throughput"][2]["median"] / 2)
        step(f"latency at half the measured maximum ({half:.0f} complaints/s)")
        out["latency"] = pipeline_bench.latency(env, half, 10.0 if quick else 30.0, 2, THREADS, 7)

    if "ingest" in only:
        n_batch, n_single = (10_000, 3_000) if quick else (50_000, 10_000)
        out["ingest"] = {}
        with ingest_bench.gateway(env, API_WORKERS) as port:
            step(f"ingestion: POST /v1/complaints/batch, {n_batch:,} complaints")
            out["ingest"]["batch"] = repeat(
                runs, lambda i: ingest_bench.batch_endpoint(env, port, n_batch, 10 + i).per_second
            )
            step(f"ingestion: single POST /v1/complaints, 32 clients, {n_single:,} complaints")
            out["ingest"]["single"] = repeat(
                runs,
                lambda i: ingest_bench.single_endpoint(env, port, n_single, 20 + i).per_second,
            )

    if "sla" in only:
        out["sla"] = {}
        due = 2_000 if quick else 10_000
        for size in (20_000,) if quick else (100_000, 1_000_000):
            step(f"SLA scan: {due:,} due among {size:,} open deadlines")
            fig = sla_bench.sla_scan(env, size, due, 2, THREADS)
            out["sla"][str(size)] = {**fig.__dict__, "due": due}

    if "memory" in only and not quick:  # quick shows the RSS after the throughput runs
        marks = (50_000, 100_000)
        step(f"memory: worker RSS after {marks[0]:,} and {marks[1]:,} complaints, 2 processes")
        out["memory"] = pipeline_bench.memory(env, marks, 2, THREADS, seed=900)
    out["finished"] = datetime.now(UTC).isoformat()
    return out


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("[green]met[/]" if ok else "[red]not met[/]")


def table(r: dict[str, Any]) -> Table:
    t = Table(title="Benchmark (" + ("quick" if r["quick"] else "full") + ")")
    for col in ("figure", "value (median, min-max)", "baseline", "ratio", "goal", "verdict"):
        t.add_column(col)

    def fmt(s: dict[str, float], unit: str) -> str:
        return f"{s['median']:,.1f} {unit} ({s['min']:,.1f}-{s['max']:,.1f})"

    def versus(name: str, value: dict[str, float], unit: str, base: str, goal: float) -> None:
        base_s = r["baselines"][base]
        ratio = value["median"] / base_s["median"]
        base_unit = {"noop": "no-op msgs/s", "pg_commits": "commits/s", "pg_copy": "rows/s"}
        t.add_row(
            name,
            fmt(value, unit),
            fmt(base_s, base_unit[base.split("_drain")[0]]),
            f"{ratio:.3f}",
            f">= {goal}",
            verdict(ratio >= goal),
        )

    b = r["baselines"]
    tput = r.get("throughput", {})
    for p in (1, 2):
        if p in tput:
            versus(f"end-to-end, {p} proc", tput[p], "complaints/s", f"noop_drain_{p}p", 0.10)
    if 4 in tput:
        t.add_row("end-to-end, 4 proc", fmt(tput[4], "complaints/s"), "", "", "", "")
    if 1 in tput and 2 in tput:
        scaling = tput[2]["median"] / tput[1]["median"]
        t.add_row(
            "scaling 2 proc / 1 proc", f"{scaling:.2f}", "", "", ">= 1.5", verdict(scaling >= 1.5)
        )
    if "latency" in r:
        lat = r["latency"]
        t.add_row(
            f"latency at {lat['rate']:.0f}/s (p50/p95/p99)",
            f"{lat['p50']:.3f} / {lat['p95']:.3f} / {lat['p99']:.3f} s",
            "",
            "",
            "p99 <= 1 s",
            verdict(lat["p99"] <= 1.0),
        )
    if "ingest" in r:
        versus("ingest: POST batch", r["ingest"]["batch"], "complaints/s", "pg_copy", 0.15)
        versus(
            "ingest: POST single, 32 clients",
            r["ingest"]["single"],
            "complaints/s",
            "pg_commits",
            0.7,
        )
    for size, fig in r.get("sla", {}).items():
        t.add_row(
            f"SLA: {fig['due']:,} due among {int(size):,} open",
            f"scan {fig['scan_seconds']:.2f} s, escalated {fig['escalation_seconds']:.1f} s",
            "",
            "",
            "<= 10 s",
            verdict(fig["escalation_seconds"] <= 10),
        )
    if len(r.get("sla", {})) == 2:
        a, c = (r["sla"][k]["scan_seconds"] for k in ("100000", "1000000"))
        t.add_row("SLA scan 1M / 100k", f"{c / a:.2f}", "", "", "~1 (within noise)", "")
    for p, mb in r.get("worker_rss_mb", {}).items():
        t.add_row(
            f"worker RSS after throughput, {p} proc",
            f"{mb:.0f} MB",
            "",
            "",
            "<= 150 MB",
            verdict(mb <= 150),
        )
    if "memory" in r:
        (m1, v1), (m2, v2) = sorted(r["memory"].items(), key=lambda kv: int(kv[0]))
        growth = (v2 - v1) / v1
        t.add_row(
            f"worker RSS after {int(m1):,} / {int(m2):,} complaints",
            f"{v1:.0f} / {v2:.0f} MB",
            "",
            "",
            "<= 150 MB",
            verdict(max(v1, v2) <= 150),
        )
        t.add_row(
            "RSS growth between the two",
            f"{100 * growth:+.1f} %",
            "",
            "",
            "<= 5 %",
            verdict(growth <= 0.05),
        )
    for key, label, unit in (
        ("pg_txn_drain_2p", "baseline: pg txn drain 2 proc", "msgs/s"),
        ("pg_commits", "baseline: pg commits (16 threads)", "commits/s"),
        ("pg_copy", "baseline: pg COPY", "rows/s"),
    ):
        if key in b:
            t.add_row(label, fmt(b[key], unit), "", "", "", "")
    return t


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
