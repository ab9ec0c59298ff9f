"""Ratios from paired runs (each figure over the baseline measured just before it) and the
machine speed probe, as the benchmark table shows them."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from benchmarks.__main__ import ratios
from benchmarks.report import table
from benchmarks.speed import SpeedLog, probe, work


def rows(result: dict[str, Any]) -> dict[str, str]:
    console = Console(width=250, record=True)
    console.print(table(result))
    text = console.export_text()
    return {line.split("│")[1].strip(): line for line in text.splitlines() if "│" in line}


def flat(value: float) -> dict[str, float]:
    return {"median": value, "min": value, "max": value}


def test_each_run_is_divided_by_its_own_baseline() -> None:
    # the machine slowed down for the second pair: both halves of it are slower
    paired = ratios([100.0, 60.0, 120.0], [1000.0, 500.0, 1000.0])
    assert paired == {"median": 0.12, "min": 0.1, "max": 0.12}


def test_the_table_judges_the_median_of_the_paired_ratios() -> None:
    result = {
        "quick": False,
        # medians alone give 0.09 (2p) and 0.075 (batch): the verdicts would differ
        "baselines": {
            "noop_drain_1p": flat(1000.0),
            "noop_drain_2p": {"median": 2000.0, "min": 1500.0, "max": 2500.0},
            "pg_copy": flat(100_000.0),
            "pg_commits": flat(2000.0),
        },
        "throughput": {1: flat(150.0), 2: {"median": 180.0, "min": 160.0, "max": 200.0}},
        "ingest": {"batch": flat(7_500.0), "single": flat(1_000.0)},
        "paired_ratios": {
            "e2e_1p": flat(0.15),
            "e2e_2p": {"median": 0.104, "min": 0.08, "max": 0.107},
            "scaling": {"median": 1.2, "min": 1.1, "max": 1.4},
            "ingest_batch": {"median": 0.16, "min": 0.07, "max": 0.2},
            "ingest_single": flat(0.5),
        },
    }
    table_rows = rows(result)
    two = table_rows["end-to-end, 2 proc"]
    assert "0.104 (0.080-0.107)" in two and "not met" not in two
    assert "1.20 (1.10-1.40)" in table_rows["scaling 2 proc / 1 proc"]
    assert "not met" in table_rows["scaling 2 proc / 1 proc"]
    batch = table_rows["ingest: POST batch"]
    assert "0.160 (0.070-0.200)" in batch and "not met" not in batch
    assert "0.500" in table_rows["ingest: POST single, 32 clients"]


def test_results_without_pairs_divide_the_medians() -> None:
    result = {
        "quick": True,
        "baselines": {"noop_drain_1p": flat(1000.0), "noop_drain_2p": flat(2000.0)},
        "throughput": {1: flat(150.0), 2: flat(180.0)},
    }
    table_rows = rows(result)
    assert "0.090" in table_rows["end-to-end, 2 proc"]
    assert "not met" in table_rows["end-to-end, 2 proc"]
    assert "1.20" in table_rows["scaling 2 proc / 1 proc"]


def test_the_speed_probe_times_the_same_work_at_every_step() -> None:
    assert work() == work()  # fixed work: same result every time
    assert probe() > 0
    log = SpeedLog()
    for step in ("baseline", "figure"):
        log.take(step)
    summary = log.summary()
    assert [step for step, _ in summary["steps"]] == ["baseline", "figure"]
    assert summary["min"] <= summary["median"] <= summary["max"]
    shown = rows({"quick": True, "baselines": {}, "speed_probe_ms": summary})
    row = shown["machine speed probe (same work, ms CPU)"]
    assert f"slowest / fastest {summary['max'] / summary['min']:.2f}x" in row
