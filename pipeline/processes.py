"""Start and stop the pipeline's processes (dramatiq workers, relay) as subprocesses.

Used by `complaints demo` and the acceptance tests. Each process gets its own session, so a
kill reaches the dramatiq parent and its forked worker processes alike.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any


@dataclass
class Fleet:
    env: Mapping[str, str]
    log_dir: Path
    processes: int = 2
    threads: int = 4
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _logs: list[IO[Any]] = field(default_factory=list)

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")
        self._logs.append(log)
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", *args],
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def start_workers(
        self, name: str = "workers", *modules: str, queues: tuple[str, ...] = ()
    ) -> subprocess.Popen[bytes]:
        """`queues`: only these (default: every queue the pipeline uses)."""
        extra = [arg for m in modules for arg in ("--module", m)]
        extra += [arg for q in queues for arg in ("-Q", q)]
        args = ["worker", "--processes", str(self.processes), "--threads", str(self.threads)]
        return self._spawn(name, [*args, *extra])

    def start_relay(self, name: str = "relay") -> subprocess.Popen[bytes]:
        return self._spawn(name, ["relay"])

    def start_scheduler(self, name: str = "scheduler") -> subprocess.Popen[bytes]:
        return self._spawn(name, ["scheduler"])

    def start_api(self, host: str, port: int, name: str = "api") -> subprocess.Popen[bytes]:
        return self._spawn(name, ["api", "--host", host, "--port", str(port)])

    def kill(self, name: str) -> None:
        """kill -9 the process and everything it forked."""
        proc = self.procs.pop(name)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)

    def terminate(self, name: str, timeout: float = 60.0) -> int:
        """SIGTERM (graceful drain) and the exit code."""
        proc = self.procs.pop(name)
        os.kill(proc.pid, signal.SIGTERM)
        return proc.wait(timeout=timeout)

    def alive(self, name: str) -> bool:
        return name in self.procs and self.procs[name].poll() is None

    def stop(self, timeout: float = 20.0) -> dict[str, int | None]:
        """SIGTERM each main process (dramatiq forwards it to its children once), wait, then
        SIGKILL what is left. Returns exit codes."""
        for proc in self.procs.values():
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        codes: dict[str, int | None] = {}
        for name, proc in list(self.procs.items()):
            try:
                codes[name] = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                codes[name] = proc.wait(timeout=10)
        self.procs.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()
        return codes
