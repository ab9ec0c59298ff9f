"""Prometheus collector for what Dramatiq does not export: queue depth, delayed and dead
sizes, oldest message age, outbox backlog, complaints by status, deadlines, live workers.

These are pipeline-wide facts: one process serves them (`complaints exporter`, a
Deployment of one), never every API replica (a `sum` over replicas would double-count),
and a scrape reads PostgreSQL and Redis at most once per COMPLAINTS_EXPORTER_CACHE_SECONDS."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

PER_QUEUE = {
    "depth": ("complaints_queue_depth", "Messages waiting in dramatiq:<queue>"),
    "delayed": ("complaints_queue_delayed", "Messages in dramatiq:<queue>.DQ"),
    "dead": ("complaints_queue_dead_letters", "Messages in dramatiq:<queue>.XQ"),
    "oldest_age_seconds": (
        "complaints_queue_oldest_age_seconds",
        "Age of the oldest waiting message",
    ),
}
GAUGES = {
    "outbox_backlog": "Outbox rows not yet published",
    "outbox_oldest_seconds": "Age of the oldest unpublished outbox row",
    "deadlines_warned": "Open deadlines past their 80 % warning",
    "deadlines_breached_last_hour": "Deadlines fired in the last hour",
    "dead_letters_pending": "Dead letters not yet replayed",
    "live_workers": "Worker processes whose consumers beat within the heartbeat timeout",
}
#: Monotonic totals kept in PostgreSQL (exposed with the _total suffix).
COUNTERS = {"redriven": ("redriven_total", "Messages re-driven for work stuck without one")}


class PipelineCollector(Collector):
    def __init__(self, read: Callable[[], dict[str, Any]]) -> None:
        self.read = read

    def collect(self) -> Iterator[Metric]:
        s = self.read()
        for field, (name, doc) in PER_QUEUE.items():
            family = GaugeMetricFamily(name, doc, labels=["queue"])
            for q in s["queues"]:
                family.add_metric([q["queue"]], q[field])
            yield family
        by_status = GaugeMetricFamily(
            "complaints_open_by_status", "Complaints by status", labels=["status"]
        )
        for status, n in s["complaints_by_status"].items():
            by_status.add_metric([status], n)
        yield by_status
        for key, doc in GAUGES.items():
            yield GaugeMetricFamily(f"complaints_{key}", doc, value=s[key])
        for name, (key, doc) in COUNTERS.items():
            yield CounterMetricFamily(f"complaints_{name}", doc, value=s[key])


class Cached:
    """`read()` at most once per `seconds`; concurrent scrapes share one read."""

    def __init__(self, read: Callable[[], dict[str, Any]], seconds: float) -> None:
        self._read, self.seconds = read, seconds
        self._lock = threading.Lock()
        self._value: dict[str, Any] | None = None
        self._at = float("-inf")

    def __call__(self) -> dict[str, Any]:
        with self._lock:
            if self._value is None or time.monotonic() - self._at >= self.seconds:
                self._value = self._read()
                self._at = time.monotonic()
            return self._value


def registry_with(read: Callable[[], dict[str, Any]]) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(PipelineCollector(read))
    return registry


def serve(registry: CollectorRegistry, host: str, port: int) -> ThreadingHTTPServer:
    """`/metrics` (the registry) and `/healthz` (the process answers: what a liveness probe
    asks; a stopped process does not answer) on host:port, in a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/healthz":
                status, body, kind = 200, b"ok\n", "text/plain"
            elif self.path.split("?")[0] == "/metrics":
                try:
                    status, body, kind = 200, generate_latest(registry), CONTENT_TYPE_LATEST
                except Exception as exc:  # PostgreSQL or Redis away: say so, stay up
                    status, body, kind = 503, f"{type(exc).__name__}\n".encode(), "text/plain"
            else:
                status, body, kind = 404, b"not found\n", "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
