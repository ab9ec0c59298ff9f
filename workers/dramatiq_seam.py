"""The one place that touches Dramatiq's private parts, checked at import against the
pinned release so an upgrade fails loudly instead of misbehaving.

`workers/woken_consumer.py` subclasses the Redis broker's private consumer and
`workers/publish.py` runs the broker's Lua dispatch script with its positional argument
layout; both import what they rely on from here. After changing the pin, read both modules
against the new release's `dramatiq/brokers/redis.py` and `redis/dispatch.lua`, then update
PINNED and the checks below."""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.brokers import redis as redis_broker

#: The release both seams were written against (constraints.txt and pyproject.toml pin it;
#: a unit test keeps the three equal).
PINNED = "2.2.1"

#: dispatch.lua's arguments before the command's own, as its header comment lists them.
DISPATCH_LAYOUT = (
    "command, timestamp, queue_name, worker_id, heartbeat_timeout, dead_message_ttl, "
    "do_maintenance, max_unpack_size, ..."
)
_SEAMS = "workers/woken_consumer.py and workers/publish.py"


class DramatiqMismatch(RuntimeError):
    """The installed Dramatiq is not the one the seams were checked against."""


def _missing(module: Any) -> list[str]:
    missing = [
        f"dramatiq.brokers.redis.{name}"
        for name in ("_RedisConsumer", "RedisBroker", "MAINTENANCE_COMMAND_BLACKLIST", "_scripts")
        if not hasattr(module, name)
    ]
    broker = getattr(module, "RedisBroker", None)
    for name in ("consumer_class", "_should_do_maintenance", "_max_unpack_size", "_dispatch"):
        if broker is not None and not hasattr(broker, name):
            missing.append(f"RedisBroker.{name}")
    consumer = getattr(module, "_RedisConsumer", None)
    if consumer is not None:
        try:  # its state is set in __init__, which only stores its arguments
            instance = consumer(None, "q", 1, 1)
        except Exception as exc:  # any failure is the mismatch to report
            missing.append(f"_RedisConsumer(broker, queue_name, prefetch, timeout): {exc!r}")
        else:
            for name in ("message_cache", "queued_message_ids", "misses", "prefetch", "timeout"):
                if not hasattr(instance, name):
                    missing.append(f"_RedisConsumer().{name}")
            if not isinstance(type(instance).__dict__.get("outstanding_message_count"), property):
                missing.append("_RedisConsumer.outstanding_message_count (a property)")
    script = getattr(module, "_scripts", {}).get("dispatch", b"")
    if f"args=[{DISPATCH_LAYOUT}]".encode() not in script:
        missing.append(f"dispatch.lua's argument layout [{DISPATCH_LAYOUT}]")
    return missing


def check_dramatiq(version: str | None = None, module: Any = redis_broker) -> None:
    """Raise DramatiqMismatch naming what differs from the pinned release."""
    installed = dramatiq.__version__ if version is None else version
    if installed != PINNED:
        raise DramatiqMismatch(
            f"dramatiq {installed} is not the pinned {PINNED}: re-check {_SEAMS} against "
            f"its source, then update PINNED in workers/dramatiq_seam.py"
        )
    missing = _missing(module)
    if missing:
        raise DramatiqMismatch(
            f"dramatiq {installed} lacks what {_SEAMS} rely on: {', '.join(missing)}; "
            f"re-check them against its source"
        )


check_dramatiq()

RedisBroker = redis_broker.RedisBroker
RedisConsumer = redis_broker._RedisConsumer
MAINTENANCE_COMMAND_BLACKLIST = redis_broker.MAINTENANCE_COMMAND_BLACKLIST


def dispatch_in(
    pipe: Any, broker: Any, command: str, queue_name: str, now_ms: int, *rest: Any
) -> None:
    """Queue one run of the broker's dispatch.lua for `command` in the Redis pipeline
    `pipe`, its arguments in DISPATCH_LAYOUT's order (queue maintenance not asked for)."""
    args = [
        command,
        now_ms,
        queue_name,
        broker.broker_id,
        broker.heartbeat_timeout,
        broker.dead_message_ttl,
        0,
        broker._max_unpack_size(),
        *rest,
    ]
    broker.scripts["dispatch"](keys=[broker.namespace], args=args, client=pipe)
