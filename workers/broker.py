"""The one Redis broker, set before any actor module is imported.

Under `complaints worker` (which sets `dramatiq_prom_db`), Dramatiq's Prometheus middleware
serves its own and the business metrics from the multiprocess directory on
COMPLAINTS_METRICS_HOST:COMPLAINTS_METRICS_PORT."""

from __future__ import annotations

import os

import dramatiq
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from pipeline.domain.routing import all_queues
from pipeline.settings import Settings
from workers.middleware.dead_letters import DeadLetterArchive
from workers.middleware.delivery_limit import DeliveryLimit
from workers.middleware.heartbeat import Heartbeat
from workers.middleware.log_context import LogContext
from workers.middleware.runtime_lifecycle import RuntimeLifecycle
from workers.middleware.stage_latency import StageLatency
from workers.woken_consumer import WakingRedisBroker


def build_broker(settings: Settings) -> WakingRedisBroker:
    broker = WakingRedisBroker(
        url=settings.redis_url,
        # Passed explicitly: the env var for this only affects RabbitMQ.
        dead_message_ttl=settings.dead_message_ttl_ms,
        heartbeat_timeout=settings.redis_heartbeat_timeout_ms,
        maintenance_chance=settings.redis_maintenance_chance,
        middleware=[
            AgeLimit(),
            TimeLimit(time_limit=120_000),
            ShutdownNotifications(),
            Callbacks(),
            Pipelines(),
            Retries(
                max_retries=settings.worker_max_retries,
                min_backoff=settings.worker_min_backoff_ms,
                max_backoff=settings.worker_max_backoff_ms,
            ),
            CurrentMessage(),
            LogContext(),
            RuntimeLifecycle(),
            DeliveryLimit(),
            DeadLetterArchive(),
            StageLatency(),
            Heartbeat(settings),
        ],
    )
    if os.environ.get("dramatiq_prom_db"):
        from workers.middleware.prometheus import Prometheus

        broker.add_middleware(Prometheus())
    for queue in all_queues():
        broker.declare_queue(queue)
    return broker


broker = build_broker(Settings.from_env())
dramatiq.set_broker(broker)
