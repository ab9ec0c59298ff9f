"""A Redis consumer that waits for its queue's wake-up (workers.wake_ups) instead of polling
an empty queue, and the broker that announces what it enqueues.

Dramatiq's consumer, on finding its queue empty, polls again after 5-10 ms, doubling up to
the worker timeout, and starts over after every message. Here an empty fetch waits on the
queue's wake-up event, set when anyone announces a message for the queue, and fetches again
at once; the worker timeout only bounds the wait (the safety poll). A fetch that got fewer
messages than it asked for emptied the queue, so the next one, too, waits for a wake-up
first: one fetch per burst of messages, not one more that finds nothing. A consumer whose
prefetch is full is waiting on its own workers, not on Redis: it keeps Dramatiq's short,
doubling sleeps, capped lower than the safety poll so a freed slot is refilled soon (longer
waits there halved the no-op drain)."""

from __future__ import annotations

import time
from typing import Any

import redis
from dramatiq import Message
from dramatiq.broker import MessageProxy
from dramatiq.common import compute_backoff
from dramatiq.errors import ConnectionClosed

from workers.dramatiq_seam import MAINTENANCE_COMMAND_BLACKLIST, RedisBroker, RedisConsumer
from workers.wake_ups import WakeUps, announce

#: Longest sleep of a consumer whose prefetch is full, in milliseconds.
FULL_PREFETCH_MAX_WAIT_MS = 250
#: Longest wait of a delay queue's consumer while its thread holds delayed messages.
HELD_DELAYED_WAIT_MS = 100
#: Queue maintenance (requeueing a dead worker's unacknowledged messages) at least this
#: often per process. Dramatiq runs it on a random share of fetches; woken consumers fetch
#: far less often, so chance alone would leave a dead worker's messages for minutes.
MAINTENANCE_EVERY_SECONDS = 2.0


class WokenConsumer(RedisConsumer):
    def __init__(self, broker: WakingRedisBroker, queue_name: str, prefetch: int, timeout: int):
        super().__init__(broker, queue_name, prefetch, timeout)  # type: ignore[no-untyped-call]
        self.wake_ups = broker.wake_ups
        self.wake = broker.wake_ups.register(queue_name)
        self.drained = False
        #: When this consumer last came round its loop (workers.middleware.heartbeat).
        self.polled_at = time.monotonic()

    def __next__(self) -> Any:
        self.polled_at = time.monotonic()
        try:
            while True:
                if self.message_cache:
                    data = self.message_cache.pop(0)
                    if data is None:  # Dramatiq guards against this too (its #266)
                        continue
                    self.misses = 0
                    message = Message.decode(data)
                    self.queued_message_ids.add(message.message_id)
                    return MessageProxy(message)
                if self.outstanding_message_count >= self.prefetch:
                    self.misses, backoff_ms = compute_backoff(
                        self.misses, max_backoff=min(self.timeout, FULL_PREFETCH_MAX_WAIT_MS)
                    )
                    time.sleep(backoff_ms / 1000)
                    return None
                if self.drained:  # the last fetch emptied the queue: wait for news of more
                    self.drained = False
                    self.wake.wait(self._idle_wait())
                    return None
                # Cleared before the fetch: an announcement that lands after it is not lost.
                self.wake.clear()
                wanted = self.prefetch - self.outstanding_message_count
                self.message_cache = self.broker.do_fetch(self.queue_name, wanted)
                self.drained = len(self.message_cache) < wanted
        except redis.ConnectionError as e:
            raise ConnectionClosed(e) from None  # type: ignore[no-untyped-call]

    def _idle_wait(self) -> float:
        """Seconds to wait for a wake-up. A delay queue's consumer thread moves its held
        messages to their queue only between our returns, so while it holds some (they are
        outstanding: fetched, not yet acknowledged) it comes back as often as Dramatiq's
        own consumer would, not once a safety poll."""
        if self.queue_name.endswith(".DQ") and self.queued_message_ids:
            return float(min(self.timeout, HELD_DELAYED_WAIT_MS)) / 1000
        return float(self.timeout) / 1000

    def close(self) -> None:
        self.wake_ups.unregister(self.queue_name, self.wake)
        super().close()


class WakingRedisBroker(RedisBroker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self.wake_ups = WakeUps(self.client, self.namespace)
        self._maintained_at = time.monotonic()

    @property
    def consumer_class(self) -> Any:
        return WokenConsumer

    def _should_do_maintenance(self, command: str) -> int:
        chosen = super()._should_do_maintenance(command)
        now = time.monotonic()
        if command not in MAINTENANCE_COMMAND_BLACKLIST and (
            chosen or now - self._maintained_at >= MAINTENANCE_EVERY_SECONDS
        ):
            self._maintained_at = now
            return 1
        return 0

    def enqueue(self, message: Message[Any], *, delay: int | None = None) -> Message[Any]:
        sent = super().enqueue(message, delay=delay)
        announce(self.client, self.wake_ups.channel, [sent.queue_name])
        return sent

    def close(self) -> None:
        self.wake_ups.close()
        super().close()
