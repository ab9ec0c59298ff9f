"""The harness starts timing once its new workers fetch, against real Redis: heartbeats
left by the stopped workers of earlier figures do not count as started ones."""

from __future__ import annotations

import time

import pytest
import redis

from benchmarks.env import HEARTBEATS, heartbeats, wait_for_new_workers

pytestmark = pytest.mark.integration


def test_only_heartbeats_of_new_workers_count(redis_url: str) -> None:
    r = redis.Redis.from_url(redis_url)
    now_ms = time.time() * 1000
    r.zadd(HEARTBEATS, {"stopped-a": now_ms, "stopped-b": now_ms})
    earlier = heartbeats(r)
    with pytest.raises(TimeoutError):  # two listed, none of them new
        wait_for_new_workers(r, earlier, 1, timeout=0.3)
    r.zadd(HEARTBEATS, {"new-1": time.time() * 1000})
    wait_for_new_workers(r, earlier, 1, timeout=10)
    with pytest.raises(TimeoutError):  # one new worker is not two
        wait_for_new_workers(r, earlier, 2, timeout=0.3)
    assert heartbeats(r) - earlier == {b"new-1"}
