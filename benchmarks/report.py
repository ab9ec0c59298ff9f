"""The table `./dev bench` prints: each figure next to its same-run baseline, the
ratio, the goal and the verdict, and where each complaint's (breach's) CPU time went."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from benchmarks import goals

#: baseline -> the `paired_ratios` key of the figure measured against it
PAIRED = {
    "noop_drain_1p": "e2e_1p",
    "noop_drain_2p": "e2e_2p",
    "intake_copy": "ingest_batch",
    "naive_peer": "ingest_single",
}
BASE_UNIT = {
    "noop": "no-op msgs/s",
    "intake_copy": "complaints/s (COPY of intake's rows)",
    "naive_peer": "complaints/s (naive peer)",
}


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("[green]met[/]" if ok else "[red]not met[/]")


def cpu_text(c: dict[str, Any], own: str = "workers") -> str:
    """Milliseconds of CPU per item by process kind, and how busy the machine was; `own`
    names the figure's own processes (dramatiq workers, or the gateway's)."""
    parts = " · ".join(
        f"{own if kind == 'workers' else kind} {ms:.2f}"
        for kind, ms in c["ms_per_item"].items()
        if ms >= 0.005
    )
    busy = f"{c['busy_cores']:.2f} of {c['cores']} cores busy"
    return f"{parts} = {c['total_ms_per_item']:.2f} ms; {busy}"


def within_noise(a: dict[str, float], b: dict[str, float]) -> bool:
    """Two figures agree within their runs' noise: their min-max ranges overlap."""
    return a["min"] <= b["max"] and b["min"] <= a["max"]


def table(r: dict[str, Any]) -> Table:
    t = Table(title="Benchmark (" + ("quick" if r["quick"] else "full") + ")")
    for col in ("figure", "value (median, min-max)", "baseline", "ratio", "goal", "verdict"):
        t.add_column(col)

    def fmt(s: dict[str, float], unit: str) -> str:
        return f"{s['median']:,.1f} {unit} ({s['min']:,.1f}-{s['max']:,.1f})"

    pairs = r.get("paired_ratios", {})

    def ratio_text(pair: dict[str, float] | None, ratio: float) -> str:
        if pair is None or pair["min"] == pair["max"]:
            return f"{ratio:.3f}"
        return f"{ratio:.3f} ({pair['min']:.3f}-{pair['max']:.3f})"

    def versus(name: str, value: dict[str, float], unit: str, base: str, goal: float) -> None:
        """The ratio is the median of each run's ratio to the baseline run just before it
        (`paired_ratios`); results written before pairing divide the two medians."""
        base_s = r["baselines"][base]
        pair = pairs.get(PAIRED.get(base, ""))
        ratio = pair["median"] if pair else value["median"] / base_s["median"]
        t.add_row(
            name,
            fmt(value, unit),
            fmt(base_s, BASE_UNIT[base.split("_drain")[0]]),
            ratio_text(pair, ratio),
            f">= {goal}",
            verdict(ratio >= goal),
        )

    b = r["baselines"]
    tput = r.get("throughput", {})
    for p in (1, 2):
        if p in tput:
            versus(
                f"end-to-end, {p} proc",
                tput[p],
                "complaints/s",
                f"noop_drain_{p}p",
                goals.END_TO_END,
            )
    for p, c in r.get("cpu_per_complaint", {}).items():
        t.add_row(f"CPU per complaint, {p} proc (ms)", cpu_text(c), "", "", "", "")
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
    if "scaleout" in r:
        scale_out_rows(t, r["scaleout"], fmt)
    if "ingest" in r:
        ing = r["ingest"]
        versus(
            "ingest: POST batch",
            ing["batch"],
            "complaints/s",
            "intake_copy",
            goals.BATCH_OVER_FLOOR,
        )
        versus(
            "ingest: POST single, 32 clients",
            ing["single"],
            "complaints/s",
            "naive_peer",
            goals.SINGLE_OVER_PEER,
        )
        for key, label in (
            ("cpu_batch", "POST batch"),
            ("cpu_floor", "COPY of intake's rows"),
            ("cpu_single", "POST single"),
            ("cpu_peer", "naive peer, single"),
        ):
            if key in ing:
                own = "peer" if key == "cpu_peer" else "gateway"
                t.add_row(
                    f"CPU per complaint, {label} (ms)", cpu_text(ing[key], own), "", "", "", ""
                )
    for size, fig in r.get("sla", {}).items():
        scan, escalation = fig["scan_seconds"], fig["escalation_seconds"]
        t.add_row(
            f"SLA: {fig['due']:,} due among {int(size):,} open",
            f"scan {scan['median']:.2f} s, escalated {fmt(escalation, 's')}",
            "",
            "",
            "<= 10 s",
            verdict(escalation["median"] <= 10),
        )
        t.add_row(
            f"CPU per breach, {int(size):,} open (ms)",
            cpu_text(fig["cpu_per_breach"]),
            "",
            "",
            "",
            "",
        )
    if len(r.get("sla", {})) == 2:
        small, large = (r["sla"][k]["escalation_seconds"] for k in ("100000", "1000000"))
        scan = (
            r["sla"]["1000000"]["scan_seconds"]["median"]
            / r["sla"]["100000"]["scan_seconds"]["median"]
        )
        t.add_row(
            "SLA 1M / 100k open",
            f"escalation {large['median'] / small['median']:.2f} (scan {scan:.2f})",
            "",
            "",
            "100k within noise of 1M",
            verdict(within_noise(small, large)),
        )
    if "list" in r:
        fig = r["list"]
        for key, label in (("first_page_ms", "first page"), ("next_page_ms", "next page")):
            ms = fig[key]
            t.add_row(
                f"work list: merchant inbox, {label} of 50 among {fig['complaints']:,}",
                f"p50 {ms['p50']:.1f} ms, p95 {ms['p95']:.1f} ms, max {ms['max']:.1f} ms",
                "",
                "",
                "p95 <= 50 ms",
                verdict(ms["p95"] <= 50),
            )
        plan = fig["plan"]
        uses = "complaints_merchant_work_idx" in plan and "Seq Scan" not in plan
        t.add_row("work list: plan reads the merchant index", str(uses), "", "", "", "")
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
    if "speed_probe_ms" in r:
        probe = r["speed_probe_ms"]
        t.add_row(
            "machine speed probe (same work, ms CPU)",
            f"{fmt(probe, 'ms')}; slowest / fastest {probe['max'] / probe['min']:.2f}x",
            "",
            "",
            "",
            "",
        )
    for key, label, unit in (
        ("pg_txn_drain_2p", "baseline: pg txn drain 2 proc", "msgs/s"),
        ("pg_commits", "baseline: pg commits (16 threads)", "commits/s"),
        ("pg_copy", "baseline: pg COPY, one unindexed table", "rows/s"),
    ):
        if key in b:
            t.add_row(label, fmt(b[key], unit), "", "", "", "")
    return t


def scale_out_rows(t: Table, s: dict[str, Any], fmt: Any) -> None:
    """Throughput under CPU caps by process count, each against 1 process, and the CPU
    per complaint of each count (with how much of the time the caps throttled)."""
    if "skipped" in s:
        t.add_row("scale-out under CPU caps", f"skipped: {s['skipped']}", "", "", "", verdict(None))
        return
    cap = s["cap_cores"]
    judged = goals.scale_out_verdicts(s)
    one = s["rates"]["1"] if "1" in s["rates"] else s["rates"][1]
    for key, rate in s["rates"].items():
        p = int(key)
        name = f"scale-out, {p} proc capped at {cap} core each"
        if p == 1:
            t.add_row(name, fmt(rate, "complaints/s"), "", "", "", "")
            continue
        pair = s["ratios"][f"{p}/1"]
        t.add_row(
            name,
            fmt(rate, "complaints/s"),
            fmt(one, "complaints/s (1 proc)"),
            f"{pair['median']:.2f} ({pair['min']:.2f}-{pair['max']:.2f})",
            f">= {goals.SCALE_OUT[p]}",
            verdict(judged[f"{p}/1"]),
        )
    for key, cpu in s["cpu"].items():
        throttled = s["throttled"][key]
        t.add_row(
            f"CPU per complaint, capped {int(key)} proc (ms)",
            f"{cpu_text(cpu)}; caps throttled {100 * throttled:.0f} % of periods",
            "",
            "",
            "",
            "",
        )
    workers = [goals.worker_cpu_ms(c) for c in s["cpu"].values()]
    total = [goals.own_cpu_ms(c) for c in s["cpu"].values()]
    t.add_row(
        "CPU per complaint, 1/2/4 capped",
        " / ".join(f"{v:.2f}" for v in workers)
        + f" ms workers, spread {100 * goals.spread(workers):.1f} %; with the shared services "
        + " / ".join(f"{v:.2f}" for v in total)
        + f" ms, spread {100 * goals.spread(total):.1f} %",
        "",
        "",
        f"workers' spread <= {100 * goals.CPU_SPREAD:.0f} %",
        verdict(judged["cpu"]),
    )
