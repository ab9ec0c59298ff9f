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
        # medians alone give 0.09 (2p), 0.45 (batch), 2.1 (single): the verdicts would differ
        "baselines": {
            "noop_drain_1p": flat(1000.0),
            "noop_drain_2p": {"median": 2000.0, "min": 1500.0, "max": 2500.0},
            "intake_copy": flat(10_000.0),
            "naive_peer": flat(1_000.0),
        },
        "throughput": {1: flat(150.0), 2: {"median": 180.0, "min": 160.0, "max": 200.0}},
        "ingest": {"batch": flat(4_500.0), "single": flat(2_100.0)},
        "paired_ratios": {
            "e2e_1p": flat(0.15),
            "e2e_2p": {"median": 0.104, "min": 0.08, "max": 0.107},
            "ingest_batch": {"median": 0.52, "min": 0.41, "max": 0.6},
            "ingest_single": {"median": 1.9, "min": 1.7, "max": 2.2},
        },
    }
    table_rows = rows(result)
    two = table_rows["end-to-end, 2 proc"]
    assert "0.104 (0.080-0.107)" in two and "not met" not in two
    batch = table_rows["ingest: POST batch"]
    assert "0.520 (0.410-0.600)" in batch and ">= 0.5" in batch and "not met" not in batch
    assert "COPY of intake's rows" in batch
    single = table_rows["ingest: POST single, 32 clients"]
    assert "1.900 (1.700-2.200)" in single and ">= 2.0" in single and "not met" in single
    assert "naive peer" in single


def test_results_without_pairs_divide_the_medians() -> None:
    result = {
        "quick": True,
        "baselines": {"noop_drain_1p": flat(1000.0), "noop_drain_2p": flat(2000.0)},
        "throughput": {1: flat(150.0), 2: flat(180.0)},
    }
    table_rows = rows(result)
    assert "0.090" in table_rows["end-to-end, 2 proc"]
    assert "not met" in table_rows["end-to-end, 2 proc"]
    assert "scaling 2 proc / 1 proc" not in table_rows  # retired: see docs/performance.md


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
