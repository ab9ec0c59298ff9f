"""Open the per-process runtime after the worker process boots; close it on shutdown."""

from __future__ import annotations

from typing import Any

from dramatiq.middleware import Middleware

from workers.runtime import close_runtime, runtime


class RuntimeLifecycle(Middleware):
    def after_process_boot(self, broker: Any) -> None:
        runtime()

    def before_process_stop(self, broker: Any) -> None:
        close_runtime()
