"""Business metrics (transitions, SLA events, evidence verdicts and store errors, quarantined
inputs, stage latency), counted only for committed work.

prometheus_client is imported lazily: a worker process must set PROMETHEUS_MULTIPROC_DIR
before the first import so that every forked worker writes to the shared directory."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

Effect = tuple[str, tuple[str, ...]]

_lock = threading.Lock()
_families: dict[str, Any] | None = None


def families() -> dict[str, Any]:
    global _families
    with _lock:
        if _families is None:
            from prometheus_client import Counter, Histogram

            _families = {
                "transition": Counter(
                    "complaints_transitions_total",
                    "Committed status transitions",
                    ["from_status", "to_status"],
                ),
                "sla": Counter(
                    "complaints_sla_events_total", "SLA warnings and breaches applied", ["event"]
                ),
                "verdict": Counter(
                    "complaints_evidence_verdicts_total", "Evidence items judged", ["verdict"]
                ),
                "store_error": Counter(
                    "complaints_evidence_store_errors_total",
                    "Evidence reads the store could not answer (no verdict drawn; retried)",
                    ["reason"],
                ),
                "quarantined": Counter(
                    "complaints_quarantined_total", "Inputs kept in quarantine", ["via"]
                ),
                "api_unhandled": Counter(
                    "complaints_api_unhandled_errors_total",
                    "Gateway requests answered 500 by an unexpected exception",
                    ["method"],
                ),
                "latency": Histogram(
                    "complaints_stage_latency_seconds",
                    "From a message's enqueue to its handler being done",
                    ["stage"],
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
                ),
            }
        return _families


def record(effects: Iterable[Effect]) -> None:
    fams = None
    for kind, labels in effects:
        fams = fams or families()
        fams[kind].labels(*labels).inc()


def observe_latency(stage: str, seconds: float) -> None:
    families()["latency"].labels(stage).observe(seconds)
