"""Dramatiq's Prometheus middleware with its duration histogram in seconds.

Dramatiq exports `dramatiq_message_duration_milliseconds`, which `promtool check metrics`
rejects (Prometheus' base unit is the second). This subclass registers
`dramatiq_message_duration_seconds` instead and converts each observation; every other
metric, the multiprocess directory and the exposition server are Dramatiq's own."""

from __future__ import annotations

from typing import Any

from dramatiq.middleware.prometheus import Prometheus as DramatiqPrometheus

BUCKETS_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 600, 900)


class _InSeconds:
    """Stands where Dramatiq keeps its millisecond histogram; observes seconds."""

    def __init__(self, histogram: Any) -> None:
        self.histogram = histogram

    def labels(self, *labels: str) -> _Child:
        return _Child(self.histogram.labels(*labels))


class _Child:
    def __init__(self, child: Any) -> None:
        self.child = child

    def observe(self, milliseconds: float) -> None:
        self.child.observe(milliseconds / 1000)


class Prometheus(DramatiqPrometheus):
    def after_process_boot(self, broker: Any) -> None:
        super().after_process_boot(broker)  # type: ignore[no-untyped-call]
        import prometheus_client as prom  # after the multiprocess directory is set

        self.message_durations = _InSeconds(  # type: ignore[assignment]
            prom.Histogram(
                "dramatiq_message_duration_seconds",
                "The time spent processing messages.",
                ["queue_name", "actor_name"],
                buckets=BUCKETS_SECONDS,
                registry=prom.CollectorRegistry(),
            )
        )
