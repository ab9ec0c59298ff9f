"""CPU time by process kind over a figure's timed window, read from /proc: where the time
of each complaint (or breach) goes, measured in the same run as the figure itself.

Kinds: "workers", the figure's own processes (the tree under the process the harness
started: dramatiq workers, or the gateway's uvicorn processes), PostgreSQL (every
`postgres` process: backends, WAL writer, checkpointer), Redis, the S3 server (SeaweedFS
`weed`), and this harness process (the relay thread, the autovacuum stand-in, the SLA
figure's scheduler, the load client, progress polls). `machine_busy_cores` comes from
every core's busy time in /proc/stat, so `other` is what none of the kinds account for
(the kernel's own threads, anything else running on the machine). Linux only."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROC = Path("/proc")
TICK = os.sysconf("SC_CLK_TCK")
#: A process's `comm` (its executable's name, at most 15 characters) and its kind.
KIND_BY_COMM = {"postgres": "postgres", "redis-server": "redis", "weed": "s3"}
KINDS = ("workers", "postgres", "s3", "harness", "redis")
#: /proc/stat's cpu columns that are not busy time.
IDLE_COLUMNS = (3, 4)  # idle, iowait


def stat_fields(text: str) -> list[str]:
    """/proc/<pid>/stat after the command name (which may hold spaces and parentheses);
    index 0 is the state, 11 and 12 are utime and stime in clock ticks."""
    return text.rpartition(")")[2].split()


def machine_busy_ticks(text: str) -> int:
    """Busy clock ticks of all cores together, from /proc/stat's first line."""
    columns = [int(v) for v in text.split("\n", 1)[0].split()[1:]]
    total = sum(columns[:8])  # guest time is already counted in user
    return total - sum(columns[i] for i in IDLE_COLUMNS)


@dataclass(frozen=True)
class Process:
    parent: int
    comm: str  # the executable's name, at most 15 characters
    cpu_seconds: float  # user + system so far


def processes() -> dict[int, Process]:
    """Every process now, read from its /proc/<pid>/stat alone (one pass over /proc)."""
    out = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:  # the process ended
            continue
        fields = stat_fields(text)
        comm = text[text.index("(") + 1 : text.rindex(")")]
        out[int(entry.name)] = Process(
            int(fields[1]), comm, (int(fields[11]) + int(fields[12])) / TICK
        )
    return out


def tree(procs: dict[int, Process], root: int) -> set[int]:
    """`root` and every process under it."""
    children: dict[int, list[int]] = {}
    for pid, proc in procs.items():
        children.setdefault(proc.parent, []).append(pid)
    found, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def descendants(root: int) -> set[int]:
    return tree(processes(), root)


Roots = int | Sequence[int] | None


def snapshot(worker_root: Roots) -> dict[tuple[int, str], float]:
    """CPU seconds so far of every process of a known kind, by (pid, kind); the figure's
    own processes are those under `worker_root` (one pid, or several launches)."""
    procs = processes()
    roots = (
        []
        if worker_root is None
        else [worker_root]
        if isinstance(worker_root, int)
        else worker_root
    )
    workers = set().union(*(tree(procs, root) for root in roots))
    me = os.getpid()
    out: dict[tuple[int, str], float] = {}
    for pid, proc in procs.items():
        kind = (
            "workers" if pid in workers else "harness" if pid == me else KIND_BY_COMM.get(proc.comm)
        )
        if kind:
            out[(pid, kind)] = proc.cpu_seconds
    return out


@dataclass(frozen=True)
class CpuUsage:
    seconds: dict[str, float]  # CPU seconds per kind, plus "other"
    wall_seconds: float
    machine_busy_cores: float  # average number of cores busy over the window
    cores: int


def summary(usages: list[tuple[CpuUsage, int]]) -> dict[str, Any]:
    """Milliseconds of CPU per item (complaint, breach) by kind over several runs, their
    totals over their items, and the average number of cores busy while they ran."""
    items = sum(n for _, n in usages)
    kinds = [*KINDS, "other"]
    ms = {k: 1000 * sum(u.seconds.get(k, 0.0) for u, _ in usages) / items for k in kinds}
    return {
        "ms_per_item": ms,
        "total_ms_per_item": sum(ms.values()),
        "busy_cores": statistics.mean(u.machine_busy_cores for u, _ in usages),
        "cores": usages[0][0].cores,
    }


class CpuMeter:
    """Started when a figure's clock starts; `stop` when it stops. Processes started in
    between count from zero; processes that end in between lose their share (the
    figures keep their processes for the whole window)."""

    def __init__(self, worker_root: Roots) -> None:
        self.worker_root = worker_root
        self.start = snapshot(worker_root)
        self.busy = machine_busy_ticks((PROC / "stat").read_text())
        self.t0 = time.monotonic()

    def stop(self) -> CpuUsage:
        wall = time.monotonic() - self.t0
        end = snapshot(self.worker_root)
        busy = machine_busy_ticks((PROC / "stat").read_text())
        seconds = dict.fromkeys(KINDS, 0.0)
        for (pid, kind), s in end.items():
            seconds[kind] += s - self.start.get((pid, kind), 0.0)
        cores = os.cpu_count() or 1
        busy_seconds = (busy - self.busy) / TICK
        seconds["other"] = max(0.0, busy_seconds - sum(seconds.values()))
        return CpuUsage(seconds, wall, busy_seconds / wall if wall > 0 else 0.0, cores)
