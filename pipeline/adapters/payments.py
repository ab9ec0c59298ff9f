"""The payments port: where `refund.instructed` integration events leave the pipeline.

The Redis stream adapter appends each event to a stream (XADD) that the payment system
reads with a consumer group. Publication is at least once (a crash after XADD and before
the commit publishes again); every entry carries the instruction's idempotency key, on
which the consumer dedupes."""

from __future__ import annotations

import json
from typing import Any, Protocol

import redis

#: The stream the payment system consumes; entries past this length are trimmed (about).
STREAM = "complaints:payments"
MAX_LENGTH = 1_000_000


class PaymentPort(Protocol):
    def publish(self, event: dict[str, Any]) -> None:
        """Hand one integration event to the payment system, or raise."""


class RedisStreamPayments:
    def __init__(self, url: str, stream: str = STREAM) -> None:
        self.client = redis.Redis.from_url(url)
        self.stream = stream

    def publish(self, event: dict[str, Any]) -> None:
        self.client.xadd(
            self.stream,
            {
                "type": event["type"],
                "idempotency_key": event["idempotency_key"],
                "data": json.dumps(event, ensure_ascii=False, default=str),
            },
            maxlen=MAX_LENGTH,
            approximate=True,
        )
