"""A test-only actor that kills the worker process handling it (a poison message)."""

from __future__ import annotations

import os
import signal

import dramatiq

from workers.broker import broker  # noqa: F401  (the project's broker and middleware)


@dramatiq.actor(queue_name="review")
def self_destruct(n: int) -> None:
    os.kill(os.getpid(), signal.SIGKILL)
