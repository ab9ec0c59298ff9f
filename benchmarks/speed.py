"""How fast the machine is right now: the CPU time one fixed piece of work takes.

The machines this runs on are shared. The same pure-CPU work has taken anywhere from 24 to
62 ms of this process's own CPU time on an idle machine within 20 seconds (no steal time
shown), so CPU per complaint and every throughput move with the machine, not only with
the code. The harness probes before each step and reports the spread, so a reader can tell
a slow run from a slow change."""

from __future__ import annotations

import hashlib
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

#: One probe: integer arithmetic in the interpreter and SHA-256 in C, about 10 ms each here.
LOOP = 100_000
HASHED = b"\x5a" * 1_000_000
REPEATS = 3


def work() -> int:
    """The fixed work; its result is returned so that nothing can skip it."""
    total = 0
    for i in range(LOOP):
        total += i * i % 7
    return total + hashlib.sha256(HASHED).digest()[0]


def probe() -> float:
    """Milliseconds of this thread's CPU time the fixed work takes (median of a few)."""
    times = []
    for _ in range(REPEATS):
        t0 = time.thread_time()
        work()
        times.append(1000 * (time.thread_time() - t0))
    return statistics.median(times)


@dataclass
class SpeedLog:
    """Probes taken at each step of a run, by step name."""

    probes: list[tuple[str, float]] = field(default_factory=list)

    def take(self, step: str) -> float:
        ms = probe()
        self.probes.append((step, ms))
        return ms

    def summary(self) -> dict[str, Any]:
        values = [ms for _, ms in self.probes]
        return {
            "median": statistics.median(values),
            "min": min(values),
            "max": max(values),
            "steps": [[step, round(ms, 2)] for step, ms in self.probes],
        }
