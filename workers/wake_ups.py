"""Wake-ups: whoever enqueues announces the queue on a Redis pub/sub channel, and each worker
process's consumers of that queue fetch at once instead of polling for it.

Dramatiq's Redis consumer finds new messages by polling, backing off while its queue is
empty. A worker process consumes 14 queues (and their 14 delay queues), mostly empty between
messages in a flowing pipeline, so polling fast costs a fifth of the worker's CPU (fetch
scripts, py-spy and per-thread CPU) and polling slowly costs every hop up to the backoff.
With an announcement per enqueue (one PUBLISH per relay batch, in the same pipeline), a
consumer waits for its queue's wake-up and polls only as a safety net, at the worker
timeout: a message no one announced (requeued by Dramatiq's maintenance after a worker
died, or published while a listener was reconnecting) is still found within it.

One listener thread per process, started by the first consumer (after the fork)."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import redis

from pipeline.logging import get_logger

log = get_logger("workers.wake_ups")

#: How long the listener blocks on its socket before looking at its stop flag.
LISTEN_SECONDS = 1.0
RECONNECT_SECONDS = 1.0


def channel(client: redis.Redis, namespace: str) -> str:
    """Pub/sub channels are shared by all of a server's databases: the database is part of
    the name, so a test run or a benchmark on another database wakes no one here."""
    db = client.connection_pool.connection_kwargs.get("db", 0)
    return f"{namespace}:__wake__:{db}"


def announce(client: Any, channel_name: str, queues: Iterable[str]) -> None:
    """PUBLISH the queues (space-separated) that just got messages; `client` may be a
    pipeline, so the announcement shares the enqueue's round trip."""
    names = " ".join(sorted(set(queues)))
    if names:
        client.publish(channel_name, names)


class WakeUps:
    """Queue name -> the events of this process's consumers of it, set by the listener."""

    def __init__(self, client: redis.Redis, namespace: str) -> None:
        self.client = client
        self.channel = channel(client, namespace)
        self._events: defaultdict[str, set[threading.Event]] = defaultdict(set)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self, queue: str) -> threading.Event:
        event = threading.Event()
        with self._lock:
            self._events[queue].add(event)
            if self._thread is None:
                self._thread = threading.Thread(target=self._listen, name="wake-ups", daemon=True)
                self._thread.start()
        return event

    def unregister(self, queue: str, event: threading.Event) -> None:
        with self._lock:
            self._events[queue].discard(event)

    def wake(self, queues: Iterable[str]) -> None:
        with self._lock:
            events = [e for q in queues for e in self._events.get(q, ())]
        for event in events:
            event.set()

    def wake_all(self) -> None:
        with self._lock:
            events = [e for es in self._events.values() for e in es]
        for event in events:
            event.set()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(LISTEN_SECONDS + 1)

    def _listen(self) -> None:
        while not self._stop.is_set():
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
            try:
                pubsub.subscribe(self.channel)
                # Announcements missed while not subscribed: every consumer looks once.
                self.wake_all()
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=LISTEN_SECONDS)
                    if message is not None and message["type"] == "message":
                        data = message["data"]
                        text = data.decode() if isinstance(data, bytes) else str(data)
                        self.wake(text.split())
            except redis.RedisError as exc:
                log.warning("wake-up listener lost Redis; consumers poll meanwhile", error=str(exc))
                self._stop.wait(RECONNECT_SECONDS)
            finally:
                try:
                    pubsub.close()
                except redis.RedisError:
                    pass
