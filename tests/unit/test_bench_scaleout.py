"""Scale-out under CPU caps: where the cgroup cpu controller is and what caps it, the
throttling it reports, the verdicts from ratios and CPU rows, and how the table shows them
(including a machine where cgroups cannot be made)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from benchmarks import goals
from benchmarks.cgroups import (
    Layout,
    detect,
    open_caps,
    parse_cpu_stat,
    quota_files,
    throttling,
)
from benchmarks.env import BENCH_DB, BENCH_REDIS_DB, bench_names
from benchmarks.report import table


def test_detect_prefers_the_unified_hierarchy_with_a_cpu_controller(tmp_path: Path) -> None:
    (tmp_path / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    (tmp_path / "cpu").mkdir()  # a v1 mount would not sit inside a v2 root; ignored
    assert detect(tmp_path) == Layout(2, tmp_path)


def test_detect_says_why_when_v2_has_no_cpu_controller(tmp_path: Path) -> None:
    (tmp_path / "cgroup.controllers").write_text("memory pids\n")
    found = detect(tmp_path)
    assert isinstance(found, str) and "no cpu controller" in found


def test_detect_finds_the_v1_cpu_hierarchy(tmp_path: Path) -> None:
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert detect(tmp_path) == Layout(1, tmp_path / "cpu")


def test_detect_says_why_when_there_is_no_cpu_controller(tmp_path: Path) -> None:
    (tmp_path / "memory").mkdir()
    found = detect(tmp_path)
    assert isinstance(found, str) and "no cgroup cpu controller" in found


def test_quota_files_cap_at_a_share_of_a_core() -> None:
    assert quota_files(2, 0.15) == {"cpu.max": "15000 100000"}
    assert quota_files(1, 0.15) == {"cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "15000"}
    assert quota_files(2, 0.001) == {"cpu.max": "1000 100000"}  # the kernel's least


def test_cpu_stat_units_differ_by_version() -> None:
    v1 = parse_cpu_stat(1, "nr_periods 62\nnr_throttled 61\nthrottled_time 4172769024\n")
    assert v1 == {"periods": 62, "throttled_periods": 61, "throttled_seconds": 4.172769024}
    text = "usage_usec 9\nnr_periods 10\nnr_throttled 5\nthrottled_usec 2500000\n"
    v2 = parse_cpu_stat(2, text)
    assert v2 == {"periods": 10, "throttled_periods": 5, "throttled_seconds": 2.5}


def test_throttling_is_the_share_of_periods_between_two_readings() -> None:
    before = {"periods": 100.0, "throttled_periods": 90.0, "throttled_seconds": 1.0}
    after = {"periods": 300.0, "throttled_periods": 140.0, "throttled_seconds": 3.0}
    assert throttling(before, after) == {
        "periods": 200.0,
        "throttled_share": 0.25,
        "throttled_seconds": 2.0,
    }
    assert throttling(before, before)["throttled_share"] == 0.0


def test_open_caps_writes_a_quota_per_group(tmp_path: Path) -> None:
    cpu = tmp_path / "cpu"
    cpu.mkdir()
    (cpu / "cpu.cfs_quota_us").write_text("-1\n")
    caps = open_caps(2, 0.15, root=tmp_path)
    assert not isinstance(caps, str)
    assert len({cap.path for cap in caps}) == 2
    for cap in caps:
        assert cap.path.parent == cpu / "complaints-bench"
        assert (cap.path / "cpu.cfs_quota_us").read_text() == "15000"


def test_open_caps_says_why_instead_of_failing(tmp_path: Path) -> None:
    cpu = tmp_path / "cpu"
    cpu.mkdir()
    (cpu / "cpu.cfs_quota_us").write_text("-1\n")
    (cpu / "complaints-bench").write_text("")  # a file where the parent group should go
    reason = open_caps(4, 0.15, root=tmp_path)
    assert isinstance(reason, str) and "cannot create a capped cgroup" in reason
    assert isinstance(open_caps(1, 0.15, root=tmp_path / "nothing"), str)


def cpu(workers: float, postgres: float, other: float = 1.0) -> dict[str, Any]:
    ms = {"workers": workers, "postgres": postgres, "other": other}
    return {"ms_per_item": ms, "total_ms_per_item": sum(ms.values()), "busy_cores": 1.5, "cores": 2}


def flat(value: float) -> dict[str, float]:
    return {"median": value, "min": value, "max": value}


def scale_out(ratio2: float, ratio4: float, workers: tuple[float, float, float]) -> dict[str, Any]:
    return {
        "cap_cores": 0.15,
        "rates": {"1": flat(80.0), "2": flat(80.0 * ratio2), "4": flat(80.0 * ratio4)},
        "ratios": {"2/1": flat(ratio2), "4/1": flat(ratio4)},
        "cpu": {str(p): cpu(w, 2.0) for p, w in zip((1, 2, 4), workers, strict=True)},
        "throttled": {"1": 0.98, "2": 0.97, "4": 0.6},
    }


def test_verdicts_judge_each_ratio_and_the_workers_cpu_spread() -> None:
    assert goals.scale_out_verdicts(scale_out(1.95, 3.7, (1.6, 1.65, 1.7))) == {
        "2/1": True,
        "4/1": True,
        "cpu": True,  # 1.7 / 1.6 = +6.25 %
    }
    assert goals.scale_out_verdicts(scale_out(1.85, 3.5, (1.6, 1.65, 1.8))) == {
        "2/1": False,
        "4/1": False,
        "cpu": False,  # +12.5 %
    }


def test_own_cpu_leaves_out_the_rest_of_the_machine() -> None:
    assert goals.own_cpu_ms(cpu(1.5, 2.0, other=9.0)) == 3.5
    assert abs(goals.spread([2.0, 2.2, 2.1]) - 0.1) < 1e-12


def rows(result: dict[str, Any]) -> dict[str, str]:
    console = Console(width=300, record=True)
    console.print(table(result))
    text = console.export_text()
    return {line.split("│")[1].strip(): line for line in text.splitlines() if "│" in line}


def test_the_table_shows_scale_out_against_one_process() -> None:
    result = {"quick": True, "baselines": {}, "scaleout": scale_out(1.95, 3.5, (1.6, 1.6, 1.62))}
    shown = rows(result)
    two = shown["scale-out, 2 proc capped at 0.15 core each"]
    assert "1.95 (1.95-1.95)" in two and ">= 1.9" in two and "not met" not in two
    four = shown["scale-out, 4 proc capped at 0.15 core each"]
    assert "3.50" in four and ">= 3.6" in four and "not met" in four
    assert "throttled 60 % of periods" in shown["CPU per complaint, capped 4 proc (ms)"]
    spread = shown["CPU per complaint, 1/2/4 capped"]
    assert "spread 1.2 %" in spread and "not met" not in spread


def test_the_table_says_when_the_figure_was_skipped() -> None:
    reason = "no cgroup cpu controller under /sys/fs/cgroup"
    shown = rows({"quick": True, "baselines": {}, "scaleout": {"skipped": reason}})
    assert reason in shown["scale-out under CPU caps"]


def test_bench_names_default_and_override() -> None:
    assert bench_names({}) == (BENCH_DB, BENCH_REDIS_DB, "complaints-bench")
    env = {
        "COMPLAINTS_BENCH_DATABASE": "bench_27",
        "COMPLAINTS_BENCH_REDIS_DB": "5",
        "COMPLAINTS_BENCH_BUCKET": "bench-27",
    }
    assert bench_names(env) == ("bench_27", 5, "bench-27")
