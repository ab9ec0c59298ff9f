"""People acting through a real gateway (party tokens), and clocks fired by the real
scheduler at a moment in the future: helpers for the negotiation, returns, cases and
governance tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
from psycopg.rows import dict_row

from pipeline.adapters.s3 import make_s3_client
from pipeline.settings import Settings
from tests.api_server import as_party, serving
from tests.factories import JPEG, complaint_payload
from tests.inline import action, drain_outbox
from workers.runtime import bound, runtime
from workers.scheduler import schedule_once

INGEST = {"Authorization": "Bearer ingest-token-0123456789"}
BUYER = as_party("buyer", "b_10293")
MERCHANT = as_party("merchant", "m_552")
ARBITER = as_party("staff", "s_a", "arbitrate")
OTHER_ARBITER = as_party("staff", "s_b", "arbitrate")


@contextmanager
def gateway(settings: Settings, **overrides: Any) -> Iterator[httpx.Client]:
    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG
    )
    with serving(settings, **overrides) as url, bound(settings):
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client


def forwarded(api: httpx.Client, settings: Settings, n: int = 0, **fields: Any) -> str:
    """A complaint submitted over HTTP and carried by the pipeline to the merchant."""
    payload = complaint_payload(external_id=f"c-{n}", order__order_id=f"o-{n}", **fields)
    r = api.post("/v1/complaints", json=payload, headers=INGEST)
    assert r.status_code == 202, r.text
    drain_outbox(settings)
    return str(r.json()["id"])


def act(
    api: httpx.Client, settings: Settings, cid: str, who: dict[str, str], name: str, **fields: Any
) -> httpx.Response:
    """An action as the signed-in person (the token names the actor), then the pipeline
    runs what it started."""
    body = action(cid, name, "ignored", **fields)
    del body["actor"]
    r = api.post(f"/v1/complaints/{cid}/actions", json=body, headers=who)
    drain_outbox(settings)
    return r


def ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def view(api: httpx.Client, cid: str, who: dict[str, str] = BUYER) -> dict[str, Any]:
    return ok(api.get(f"/v1/complaints/{cid}", headers=who))


def events(settings: Settings, cid: str) -> list[str]:
    return [r["event"] for r in rows(settings, _EVENTS, cid)]


_EVENTS = "SELECT event FROM complaint_events WHERE complaint_id = %s ORDER BY seq"


def rows(settings: Settings, sql: str, *args: Any) -> list[dict[str, Any]]:
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        return conn.execute(sql, args).fetchall()  # type: ignore[call-overload,no-any-return]


def fire(settings: Settings, hours: float) -> tuple[int, int]:
    """The scheduler's tick as if `hours` had passed: due clocks fire through the outbox
    and their breach actions run. Returns (fired, warned)."""
    tick = schedule_once(runtime().pool, datetime.now(UTC) + timedelta(hours=hours), 100)
    drain_outbox(settings)
    return tick.fired, tick.warned
