"""Send messages as an upstream system would: straight onto a queue on the test's Redis."""

from __future__ import annotations

from typing import Any

from dramatiq import Message

from pipeline.settings import Settings
from workers.broker import build_broker


def send(
    settings: Settings, payloads: list[Any], queue: str = "intake", actor: str = "intake"
) -> None:
    broker = build_broker(settings)
    try:
        for payload in payloads:
            broker.enqueue(
                Message(queue_name=queue, actor_name=actor, args=(payload,), kwargs={}, options={})
            )
    finally:
        broker.close()
