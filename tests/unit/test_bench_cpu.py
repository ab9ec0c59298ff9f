"""The benchmark's CPU accounting and its table: /proc parsing, per-item arithmetic, and
the rows the table shows for a result."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from benchmarks.cpu import CpuUsage, machine_busy_ticks, stat_fields, summary
from benchmarks.report import cpu_text, table


def test_stat_fields_survive_a_command_name_with_spaces_and_parentheses() -> None:
    line = "4242 (weird) name (x)) S 1 4242 4242 0 -1 4194560 10 0 0 0 37 11 0 0 20 0 1 0"
    fields = stat_fields(line)
    assert fields[0] == "S"  # the state
    assert fields[1] == "1"  # the parent
    assert (fields[11], fields[12]) == ("37", "11")  # utime, stime


def test_machine_busy_excludes_idle_and_iowait_and_counts_guest_once() -> None:
    stat = "cpu  100 5 40 800 30 2 3 1 50 0\ncpu0 50 2 20 400 15 1 1 0 25 0\n"
    # user+nice+system+irq+softirq+steal = 100+5+40+2+3+1; guest (50) is inside user
    assert machine_busy_ticks(stat) == 151


def usage(seconds: dict[str, float], busy: float) -> CpuUsage:
    return CpuUsage({"workers": 0.0, **seconds}, wall_seconds=2.0, machine_busy_cores=busy, cores=2)


def test_summary_weights_runs_by_their_items() -> None:
    a = usage({"workers": 4.0, "postgres": 2.0, "other": 0.5}, busy=1.6)
    b = usage({"workers": 2.0, "postgres": 2.0, "other": 0.0}, busy=1.8)
    s = summary([(a, 1000), (b, 500)])
    assert s["ms_per_item"]["workers"] == 4.0  # (4 + 2) s over 1,500 items
    assert s["ms_per_item"]["postgres"] == 4.0 * 2 / 1.5 / 2  # (2 + 2) s over 1,500
    assert s["ms_per_item"]["redis"] == 0.0
    assert abs(s["total_ms_per_item"] - (6.0 + 4.0 + 0.5) / 1.5) < 1e-9
    assert abs(s["busy_cores"] - 1.7) < 1e-9
    assert s["cores"] == 2


def render(result: dict[str, Any]) -> str:
    console = Console(width=250, record=True)
    console.print(table(result))
    return console.export_text()


def test_the_table_shows_ratios_verdicts_and_where_the_cpu_went() -> None:
    cpu = summary([(usage({"workers": 5.0, "postgres": 3.0, "s3": 2.0}, busy=1.75), 1000)])
    result = {
        "quick": True,
        "baselines": {
            "noop_drain_1p": {"median": 1000.0, "min": 1000.0, "max": 1000.0},
            "noop_drain_2p": {"median": 2000.0, "min": 2000.0, "max": 2000.0},
        },
        "throughput": {
            1: {"median": 150.0, "min": 150.0, "max": 150.0},
            2: {"median": 160.0, "min": 160.0, "max": 160.0},
        },
        "cpu_per_complaint": {1: cpu},
    }
    text = render(result)
    one = next(line for line in text.splitlines() if "end-to-end, 1 proc" in line)
    two = next(line for line in text.splitlines() if "end-to-end, 2 proc" in line)
    assert "0.150" in one and "not met" not in one and "met" in one
    assert "0.080" in two and "not met" in two
    assert "scaling 2 proc / 1 proc" not in text  # retired: see docs/performance.md
    assert "workers 5.00 · postgres 3.00 · s3 2.00 = 10.00 ms; 1.75 of 2 cores busy" in text
    assert cpu_text(cpu) in text
    assert cpu_text(cpu, own="gateway").startswith("gateway 5.00 · postgres 3.00")


def sla(due: int, low: float, mid: float, high: float) -> dict[str, Any]:
    spread = {"median": mid, "min": low, "max": high}
    cpu = summary([(usage({"workers": 7.0, "postgres": 6.0}, busy=1.9), due)])
    return {"due": due, "scan_seconds": spread, "escalation_seconds": spread, "cpu_per_breach": cpu}


def test_the_sla_rows_judge_the_median_and_noise_by_overlapping_runs() -> None:
    text = render(
        {
            "quick": False,
            "baselines": {},
            "sla": {
                "100000": sla(10_000, 7.5, 8.0, 9.0),
                "1000000": sla(10_000, 8.8, 10.5, 11.0),
            },
        }
    )
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if "│" in line}
    assert "not met" not in rows["SLA: 10,000 due among 100,000 open"]
    assert "not met" in rows["SLA: 10,000 due among 1,000,000 open"]
    assert "escalation 1.31 (scan 1.31)" in rows["SLA 1M / 100k open"]
    assert "not met" not in rows["SLA 1M / 100k open"]  # 8.8-11.0 overlaps 7.5-9.0
    assert "workers 0.70 · postgres 0.60" in rows["CPU per breach, 100,000 open (ms)"]
    apart = render(
        {
            "quick": False,
            "baselines": {},
            "sla": {
                "100000": sla(10_000, 7.5, 8.0, 8.5),
                "1000000": sla(10_000, 8.8, 10.5, 11.0),
            },
        }
    )
    assert "not met" in next(line for line in apart.splitlines() if "SLA 1M / 100k" in line)
