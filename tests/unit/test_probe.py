"""Liveness beats (pipeline.ops.probe) and the worker heartbeat's stall detection."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

from pipeline.ops.probe import Beat, beat_path, check
from workers.middleware.heartbeat import stalled_queues


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_fresh_beat_is_healthy_and_a_stale_or_missing_one_is_not(tmp_path: Path) -> None:
    assert check(tmp_path, "relay", 15)[0] is False  # never beaten
    Beat(beat_path(tmp_path, "relay"))()
    assert check(tmp_path, "relay", 15) == (True, "relay: 1 beat file(s) fresh")
    age(beat_path(tmp_path, "relay"), 16)
    healthy, why = check(tmp_path, "relay", 15)
    assert not healthy and "stalled" in why


def test_a_beat_touches_at_most_once_per_interval(tmp_path: Path) -> None:
    beat = Beat(beat_path(tmp_path, "scheduler"), every=60)
    beat()
    age(beat.path, 30)
    beat()  # within the interval: not touched again
    assert time.time() - beat.path.stat().st_mtime > 25


def test_worker_probe_needs_every_live_process_fresh_and_ignores_dead_ones(
    tmp_path: Path,
) -> None:
    assert not check(tmp_path, "worker", 15)[0]  # no worker has beaten
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale_dead = beat_path(tmp_path, "worker", int(dead.stdout))
    stale_dead.touch()
    age(stale_dead, 600)
    assert not check(tmp_path, "worker", 15)[0]  # only a dead process's file
    mine = beat_path(tmp_path, "worker", os.getpid())
    mine.touch()
    assert check(tmp_path, "worker", 15)[0]
    age(mine, 20)
    assert not check(tmp_path, "worker", 15)[0]


def consumer_thread(polled_at: float | None, alive: bool = True) -> SimpleNamespace:
    return SimpleNamespace(
        consumer=SimpleNamespace(polled_at=polled_at) if polled_at is not None else None,
        is_alive=lambda: alive,
    )


def test_heartbeat_sees_a_consumer_that_stopped_polling_or_died() -> None:
    now = time.monotonic()
    worker = SimpleNamespace(
        consumers={
            "review": consumer_thread(now - 1),
            "notify": consumer_thread(now - 60),
            "sla": consumer_thread(None),  # not started yet: not stalled
            "route": consumer_thread(now, alive=False),
        }
    )
    assert sorted(stalled_queues(worker, now, stall_seconds=15)) == ["notify", "route"]


def test_relay_beats_after_each_successful_loop(tmp_path: Path) -> None:
    """run_relay calls its beat once a batch went through (here: no rows)."""
    from workers.relay import run_relay

    stop = threading.Event()
    beats: list[float] = []

    class Pool:
        def connection(self) -> object:
            raise RuntimeError("database away")

    def beat() -> None:
        beats.append(time.monotonic())
        stop.set()

    failing = threading.Thread(
        target=run_relay, args=(Pool(), None, {}, 10, 0.01, stop, beat), daemon=True
    )
    failing.start()
    failing.join(timeout=1.5)
    assert beats == []  # a loop that fails does not beat
    stop.set()
    failing.join(timeout=5)
