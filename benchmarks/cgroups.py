"""CPU caps for the scale-out figure: each worker launch in a cgroup of its own with a CPU
quota (0.15 of a core), as a cluster of small worker pods would run it.

cgroup v2 (`cpu.max`, one unified hierarchy) or v1 (`cpu.cfs_quota_us` in the `cpu`
hierarchy), whichever this machine mounts. Creating cgroups needs root (or a delegated
subtree); where they cannot be made, `open_caps` says why instead of failing, and the
harness skips the figure with that reason."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000
GROUP = "complaints-bench"


@dataclass(frozen=True)
class Layout:
    """Where the cpu controller lives and which files set and report a quota."""

    version: int  # 1 or 2
    base: Path  # the hierarchy's root (v1: the `cpu` mount)

    @property
    def parent(self) -> Path:
        return self.base / GROUP


def detect(root: Path = ROOT) -> Layout | str:
    """The cpu controller's layout, or why there is none. v2 when the unified hierarchy is
    mounted at `root` and offers `cpu`; else v1 when a `cpu` hierarchy has CFS quotas."""
    controllers = root / "cgroup.controllers"
    if controllers.is_file():
        if "cpu" in controllers.read_text().split():
            return Layout(2, root)
        return f"cgroup v2 at {root} offers no cpu controller"
    for name in ("cpu", "cpu,cpuacct"):
        if (root / name / "cpu.cfs_quota_us").is_file():
            return Layout(1, root / name)
    return f"no cgroup cpu controller under {root} (neither v2 cpu.max nor v1 cpu.cfs_quota_us)"


def quota_files(version: int, cores: float, period_us: int = PERIOD_US) -> dict[str, str]:
    """The files (and contents) that cap a cgroup at `cores` of CPU time."""
    quota = max(1_000, round(cores * period_us))  # the kernel's least quota is 1 ms
    if version == 2:
        return {"cpu.max": f"{quota} {period_us}"}
    return {"cpu.cfs_period_us": str(period_us), "cpu.cfs_quota_us": str(quota)}


def parse_cpu_stat(version: int, text: str) -> dict[str, float]:
    """`cpu.stat` as periods, throttled periods and seconds throttled (v1 reports
    nanoseconds, v2 microseconds)."""
    fields = {k: int(v) for k, v in (line.split() for line in text.splitlines() if line.strip())}
    throttled = (
        fields.get("throttled_usec", 0) / 1e6
        if version == 2
        else fields.get("throttled_time", 0) / 1e9
    )
    return {
        "periods": float(fields.get("nr_periods", 0)),
        "throttled_periods": float(fields.get("nr_throttled", 0)),
        "throttled_seconds": throttled,
    }


def throttling(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Share of quota periods in which the group was throttled between two readings: near
    1 when the group wanted more CPU than its cap all along (the cap is the limit), near 0
    when something else (the services) held it back."""
    periods = after["periods"] - before["periods"]
    throttled = after["throttled_periods"] - before["throttled_periods"]
    return {
        "periods": periods,
        "throttled_share": throttled / periods if periods else 0.0,
        "throttled_seconds": after["throttled_seconds"] - before["throttled_seconds"],
    }


@dataclass(frozen=True)
class CpuCap:
    """One capped cgroup."""

    layout: Layout
    path: Path

    def move(self, pids: Iterable[int]) -> None:
        """Move processes (with all their threads) into the cgroup; one that ended in the
        meantime is skipped."""
        for pid in pids:
            try:
                _write(self.path / "cgroup.procs", str(pid))
            except ProcessLookupError:
                continue

    def stat(self) -> dict[str, float]:
        return parse_cpu_stat(self.layout.version, (self.path / "cpu.stat").read_text())

    def remove(self, timeout: float = 10.0) -> None:
        """rmdir once its processes are gone (a process that just exited leaves a moment
        later)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def _write(path: Path, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def open_caps(count: int, cores: float, root: Path = ROOT) -> list[CpuCap] | str:
    """`count` cgroups capped at `cores` each, under one parent; or why they cannot be made."""
    layout = detect(root)
    if isinstance(layout, str):
        return layout
    try:
        layout.parent.mkdir(exist_ok=True)
        if layout.version == 2:
            # v2 hands a controller down only where each ancestor enables it for its children
            _write(layout.base / "cgroup.subtree_control", "+cpu")
            _write(layout.parent / "cgroup.subtree_control", "+cpu")
        caps = []
        for i in range(count):
            path = layout.parent / f"worker-{os.getpid()}-{i}"
            path.mkdir(exist_ok=True)
            for name, value in quota_files(layout.version, cores).items():
                _write(path / name, value)
            caps.append(CpuCap(layout, path))
    except OSError as exc:
        return f"cannot create a capped cgroup under {layout.parent}: {exc.strerror or exc}"
    return caps


def close_caps(caps: list[CpuCap]) -> None:
    for cap in caps:
        cap.remove()
    if caps:
        try:
            caps[0].layout.parent.rmdir()
        except OSError:  # another run's groups are still in it
            pass
