"""The workers' own heartbeat: each worker process, while every one of its consumers keeps
coming round its fetch loop, touches its beat file (for the liveness probe, `complaints
probe worker`) and records itself in the Redis set WORKERS_KEY (for `live_workers`).

Dramatiq's own `__heartbeats__` set cannot serve either purpose: its dispatch script
refreshes the heartbeat of every process that runs a broker command, producers such as the
relay included, and a consumer stuck in a fetch keeps its process's other threads beating."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

from dramatiq.middleware import Middleware

from pipeline.logging import get_logger
from pipeline.ops.probe import Beat, beat_path
from pipeline.ops.status import WORKERS_KEY  # member "<host>:<pid>", score epoch ms
from pipeline.settings import Settings

log = get_logger("workers.heartbeat")

#: Seconds between beats.
EVERY_SECONDS = 2.0
#: A consumer that has not come round its loop for this long counts as stalled. An idle
#: consumer wakes at least every COMPLAINTS_WORKER_IDLE_POLL_MS, a busy one far sooner.
STALL_SECONDS = 15.0


def stalled_queues(worker: Any, now: float, stall_seconds: float = STALL_SECONDS) -> list[str]:
    """Queues whose consumer has not polled within `stall_seconds` (or whose thread died)."""
    out = []
    for queue, thread in list(worker.consumers.items()):
        consumer = getattr(thread, "consumer", None)
        polled = getattr(consumer, "polled_at", None)
        if not thread.is_alive() or (polled is not None and now - polled > stall_seconds):
            out.append(queue)
    return out


class Heartbeat(Middleware):
    def __init__(self, settings: Settings) -> None:
        self.state_dir = Path(settings.state_dir)
        self.stop = threading.Event()
        self.member = ""

    def after_worker_boot(self, broker: Any, worker: Any) -> None:
        self.member = f"{socket.gethostname()}:{os.getpid()}"
        beat = Beat(beat_path(self.state_dir, "worker", os.getpid()), every=0)
        thread = threading.Thread(
            target=self._run, args=(broker, worker, beat), name="heartbeat", daemon=True
        )
        thread.start()

    def _run(self, broker: Any, worker: Any, beat: Beat) -> None:
        while not self.stop.is_set():
            stalled = stalled_queues(worker, time.monotonic())
            if stalled:
                log.warning("consumers stalled; not beating", queues=stalled)
            else:
                try:
                    beat()
                    broker.client.zadd(WORKERS_KEY, {self.member: time.time() * 1000})
                except Exception:  # Redis away: the beat file still says we are alive
                    log.warning("heartbeat to redis failed", exc_info=True)
            self.stop.wait(EVERY_SECONDS)

    def before_worker_shutdown(self, broker: Any, worker: Any) -> None:
        self.stop.set()
        beat_path(self.state_dir, "worker", os.getpid()).unlink(missing_ok=True)
        try:
            broker.client.zrem(WORKERS_KEY, self.member)
        except Exception:
            log.warning("could not remove heartbeat", exc_info=True)
