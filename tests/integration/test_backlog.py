"""The gateway's backlog gauge on real PostgreSQL and Redis: one caller refreshes a stale
measurement while the others use the last one, and the count covers unsent outbox rows and
waiting review messages."""

from __future__ import annotations

import psycopg
import pytest
import redis

from pipeline.api import backlog as backlog_module
from pipeline.api.backlog import Backlog
from pipeline.api.errors import Overloaded
from pipeline.db.pool import make_pool
from pipeline.settings import Settings

pytestmark = pytest.mark.integration


def test_one_refresh_at_a_time_then_fresh_for_a_second(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO outbox (queue_name, actor_name, payload)"
            " SELECT 'review', 'review', '{}'::jsonb FROM generate_series(1, 3)"
        )
    client = redis.Redis.from_url(settings.redis_url)
    client.rpush("dramatiq:review", "a", "b")
    pool = make_pool(settings.database_url, 2, name="test-backlog")
    pool.open(wait=True)
    now = [1000.0]
    monkeypatch.setattr(backlog_module.time, "monotonic", lambda: now[0])
    try:
        gauge = Backlog(pool, client, limit=4)
        assert gauge.claim_refresh()
        assert not gauge.claim_refresh()  # another caller is refreshing: use the last value
        gauge.refuse_if_over()  # nothing measured yet
        gauge.refresh()
        assert gauge.value == 5
        with pytest.raises(Overloaded):
            gauge.refuse_if_over()
        now[0] += 0.9
        assert not gauge.claim_refresh()  # fresh
        now[0] += 0.2
        assert gauge.claim_refresh()  # stale again, and the lock was released
        gauge.refresh()
    finally:
        pool.close()
        client.close()


def test_redis_away_keeps_the_last_review_length_and_counts_the_outbox(
    settings: Settings,
) -> None:
    client = redis.Redis.from_url(settings.redis_url)
    client.rpush("dramatiq:review", "a", "b")
    pool = make_pool(settings.database_url, 2, name="test-backlog")
    pool.open(wait=True)
    try:
        gauge = Backlog(pool, client, limit=100)
        assert gauge.claim_refresh()
        gauge.refresh()
        assert (gauge.value, gauge.stale) == (2, False)
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO outbox (queue_name, actor_name, payload)"
                " SELECT 'review', 'review', '{}'::jsonb FROM generate_series(1, 3)"
            )
        gauge.redis = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
        gauge.measured_at = float("-inf")
        assert gauge.claim_refresh()
        gauge.refresh()  # no exception: intake needs only PostgreSQL
        assert (gauge.value, gauge.stale) == (5, True)
        gauge.refuse_if_over()
    finally:
        pool.close()
        client.close()
