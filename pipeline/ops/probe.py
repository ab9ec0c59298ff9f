"""Liveness beats: a process that makes progress touches a file in COMPLAINTS_STATE_DIR;
`complaints probe COMPONENT` answers healthy while the file is fresh.

A relay or scheduler beats once per successful loop, a worker process while its consumers
keep fetching (workers.middleware.heartbeat). A stopped, hung or crash-looping process stops
beating, so the file ages and the probe fails: that is what a liveness probe must see,
unlike `kill -0 1`, which only says that PID 1 exists."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

#: Seconds without a beat after which a component counts as stalled: a few times its
#: longest quiet loop. A relay loops at least every COMPLAINTS_RELAY_IDLE_SECONDS (beating
#: once a second), a scheduler every COMPLAINTS_SCHEDULER_MAX_SLEEP_SECONDS (5 s), a worker
#: beats every 2 s. A Kubernetes probe adds its own failureThreshold x periodSeconds.
DEFAULT_MAX_AGE = {"relay": 15.0, "scheduler": 20.0, "worker": 15.0}


def beat_path(state_dir: str | Path, component: str, pid: int | None = None) -> Path:
    """The beat file: one per relay or scheduler; one per worker process (several share
    a pod), named by PID."""
    name = f"{component}-{pid}.beat" if pid is not None else f"{component}.beat"
    return Path(state_dir) / name


@dataclass
class Beat:
    """Touch `path`, at most once per `every` seconds (a relay loops many times a second)."""

    path: Path
    every: float = 1.0
    _last: float = float("-inf")

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self._last < self.every:
            return
        self._last = now
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch()  # sets the mtime to now, file new or not

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check(state_dir: str | Path, component: str, max_age: float) -> tuple[bool, str]:
    """(healthy, why). Worker beat files of processes that no longer exist are ignored:
    a worker process that exited is the dramatiq parent's business, not a stall."""
    now = time.time()
    if component == "worker":
        paths = []
        for path in sorted(Path(state_dir).glob("worker-*.beat")):
            pid = path.stem.removeprefix("worker-")
            if pid.isdigit() and pid_alive(int(pid)):
                paths.append(path)
        if not paths:
            return False, f"no live worker process has beaten in {state_dir}"
    else:
        paths = [beat_path(state_dir, component)]
    for path in paths:
        try:
            age = now - path.stat().st_mtime
        except FileNotFoundError:
            return False, f"{path} missing: {component} has not completed a loop yet"
        if age > max_age:
            return False, f"{path} is {age:.0f}s old (limit {max_age:.0f}s): {component} stalled"
    return True, f"{component}: {len(paths)} beat file(s) fresh"
