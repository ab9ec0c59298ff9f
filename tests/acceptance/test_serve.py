"""`complaints demo --serve` (`./dev run --serve`): after the main job the gateway, console
and workers stay up on the demo's data, the sign-in links printed work, and Ctrl-C stops
every process it started."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from pipeline.settings import Settings
from tests.acceptance.conftest import fleet_env
from tests.api_server import free_port

pytestmark = pytest.mark.acceptance


def children_of(pid: int) -> list[int]:
    """Every descendant of `pid` (the fleet's processes and what they forked)."""
    out = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True).stdout
    pairs = [tuple(int(x) for x in line.split()) for line in out.splitlines() if line.strip()]
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in pairs:
            if ppid == parent:
                found.append(child)
                frontier.append(child)
    return found


def test_serve_keeps_the_console_up_with_sign_in_links_until_ctrl_c(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    env = {**os.environ, **fleet_env(settings), "COMPLAINTS_LOG_LEVEL": "WARNING"}
    args = ["demo", "--count", "10", "--processes", "1", "--threads", "2", "--serve"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", *args, "--port", str(port)],
        env=env,
        cwd=tmp_path,  # the demo and the key set write under ./.local
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 180
        while not any("Ctrl-C stops" in line for line in seen):
            assert time.monotonic() < deadline and proc.poll() is None, "".join(seen)
            seen.append(proc.stdout.readline())
        out = "".join(seen)
        base = f"http://127.0.0.1:{port}"
        assert f"The console is up: {base}/console/" in out
        links = re.findall(rf"{re.escape(base)}/console/\?as=(\S+)", out)
        assert "staff:ops_1:operate" in links and any(a.startswith("merchant:") for a in links)
        assert httpx.get(f"{base}/console/").status_code == 200
        merchant = next(a for a in links if a.startswith("merchant:")).split(":")[1]
        minted = httpx.post(f"{base}/console/dev/token", json={"role": "merchant", "sub": merchant})
        token = {"Authorization": f"Bearer {minted.json()['token']}"}
        inbox = httpx.get(f"{base}/v1/complaints", headers=token).json()["items"]
        assert inbox and all(i["merchant_id"] == merchant for i in inbox)  # the demo's data
        started = children_of(proc.pid)
        assert started  # gateway, workers, relay, scheduler
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    assert proc.returncode == 0, "".join(seen) + (proc.stdout.read() if proc.stdout else "")
    time.sleep(0.5)
    alive = [p for p in started if os.path.exists(f"/proc/{p}")]
    assert alive == [], "processes left running after Ctrl-C"
