"""Prometheus collector for what Dramatiq does not export: queue depth, delayed and dead
sizes, oldest message age, outbox backlog, complaints by status, deadlines, live workers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class PipelineCollector(Collector):
    def __init__(self, read: Callable[[], dict[str, Any]]) -> None:
        self.read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        s = self.read()
        per_queue = {
            "depth": ("complaints_queue_depth", "Messages waiting in dramatiq:<queue>"),
            "delayed": ("complaints_queue_delayed", "Messages in dramatiq:<queue>.DQ"),
            "dead": ("complaints_queue_dead_letters", "Messages in dramatiq:<queue>.XQ"),
            "oldest_age_seconds": (
                "complaints_queue_oldest_age_seconds",
                "Age of the oldest waiting message",
            ),
        }
        for field, (name, doc) in per_queue.items():
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
        for key, doc in (
            ("outbox_backlog", "Outbox rows not yet published"),
            ("outbox_oldest_seconds", "Age of the oldest unpublished outbox row"),
            ("deadlines_warned", "Open deadlines past their 80 % warning"),
            ("deadlines_breached_last_hour", "Deadlines fired in the last hour"),
            ("dead_letters_pending", "Dead letters not yet replayed"),
            ("live_workers", "Broker processes with a recent heartbeat"),
            ("redriven_total", "Messages re-driven for work stuck without one"),
        ):
            yield GaugeMetricFamily(f"complaints_{key}", doc, value=s[key])


def registry_with(read: Callable[[], dict[str, Any]]) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(PipelineCollector(read))
    return registry
