"""Work list: a merchant's inbox (`GET /v1/complaints?merchant_id=…&waiting_on=merchant`, a
page of 50 by due time) out of N complaints, through the real gateway; per-request latency
of first pages and of the pages after them (by cursor), and the plan PostgreSQL runs."""

from __future__ import annotations

import http.client
import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import psycopg

from benchmarks.env import BenchEnv, stop, wait_until
from benchmarks.ingest_bench import _free_port, _healthy
from pipeline.db import complaints
from pipeline.domain.status import Role
from pipeline.worklist import Filters, query_params

TOKEN = "bench-read-token-0123456789"
PAGE = 50

#: Per g % 10: (status, party whose clock runs or None): 40 % wait on their merchant.
MIX = (
    ("awaiting_merchant", "merchant"),
    ("awaiting_merchant", "merchant"),
    ("awaiting_merchant", "merchant"),
    ("awaiting_merchant", "merchant"),
    ("merchant_proposed", "buyer"),
    ("resolved", "buyer"),
    ("in_arbitration", "platform"),
    ("remedy_in_progress", "merchant"),
    ("closed", None),
    ("closed", None),
)

SEED_SQL = """
INSERT INTO complaints (source, external_id, payload_sha256, status, stage, category,
    buyer_id, merchant_id, order_id, order_amount_cents, currency, paid_at, submitted_at,
    title, description, requested_remedy, claimed_amount_cents, version, admitted_at,
    waiting_on, due_at)
SELECT %(source)s, 'l-' || g, repeat('0', 64), m.status::complaint_status, 'parties',
    (enum_range(NULL::complaint_category))[1 + g %% 7], 'b_' || (g %% %(buyers)s),
    'm_' || ((g / 10) %% %(merchants)s), 'o_' || g, 12900, 'CNY', now(), now(),
    'complaint ' || g, 'description of complaint ' || g, 'refund', 12900, 1, now(),
    m.party::party_role,
    CASE WHEN m.party IS NULL THEN NULL
         ELSE now() + ((g::bigint * 7919) %% 259200) * interval '1 second' END
FROM generate_series(1, %(n)s) g
JOIN unnest(%(statuses)s::text[], %(parties)s::text[]) WITH ORDINALITY AS m (status, party, k)
    ON m.k = 1 + g %% 10
"""


def seed_complaints(database_url: str, count: int, merchants: int, source: str = "list") -> None:
    """`count` complaints of `merchants` merchants in the MIX of statuses, each with its
    running clock's party and due time on the row, built server-side; then ANALYZE."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            SEED_SQL,
            {
                "source": source,
                "n": count,
                "merchants": merchants,
                "buyers": max(1, count // 3),
                "statuses": [s for s, _ in MIX],
                "parties": [p for _, p in MIX],
            },
        )
        conn.execute("ANALYZE complaints")


def inbox_params(
    merchant_id: str, after: tuple[datetime, str] | None = None, limit: int = PAGE
) -> dict[str, Any]:
    """The `work_list` parameters of a merchant's inbox page (after a (due, id) cursor)."""
    inbox = Filters(merchant_id=merchant_id, waiting_on=Role.MERCHANT)
    after_due, after_id = after if after else (None, None)
    return query_params(inbox, after_due, after_id, limit, datetime.now(UTC))


def inbox_plan(
    database_url: str, merchant_id: str, after: tuple[datetime, str] | None = None
) -> str:
    with psycopg.connect(database_url) as conn:
        return complaints.work_list_plan(conn, inbox_params(merchant_id, after))


@dataclass(frozen=True)
class ListFigure:
    complaints: int
    merchants: int
    setup_seconds: float
    first_page_ms: list[float]
    next_page_ms: list[float]
    plan: str


def _get(conn: http.client.HTTPConnection, params: dict[str, Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    conn.request(
        "GET", "/v1/complaints?" + urlencode(params), headers={"Authorization": f"Bearer {TOKEN}"}
    )
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - t0) * 1000
    if response.status != 200:
        raise RuntimeError(f"list answered {response.status}: {body[:300]!r}")
    return elapsed, json.loads(body)


def list_pages(env: BenchEnv, count: int, merchants: int, requests: int) -> ListFigure:
    """Seed, then `requests` first pages of random merchants' inboxes, each followed by its
    next page, one at a time through `complaints api` (one process)."""
    env.reset()
    t0 = time.monotonic()
    seed_complaints(env.settings.database_url, count, merchants)
    setup = time.monotonic() - t0
    port = _free_port()
    proc = env.cli(
        "api-list",
        "api",
        "--port",
        str(port),
        "--workers",
        "1",
        extra_env={"COMPLAINTS_API_TOKENS": json.dumps({TOKEN: ["read"]})},
    )
    rng = random.Random(7)
    first: list[float] = []
    following: list[float] = []
    try:
        wait_until(lambda: _healthy(port), timeout=60, poll=0.1)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(requests + 20):
            params = {"merchant_id": f"m_{rng.randrange(merchants)}", "waiting_on": "merchant"}
            ms, body = _get(conn, params)
            if len(body["items"]) != PAGE or body["next_cursor"] is None:
                raise RuntimeError(f"expected a full page and a next one, got {len(body['items'])}")
            ms_next, _ = _get(conn, {**params, "cursor": body["next_cursor"]})
            if i >= 20:  # the first requests warm the caches and the connection pool
                first.append(ms)
                following.append(ms_next)
        conn.close()
    finally:
        stop(proc)
    plan = inbox_plan(env.settings.database_url, f"m_{rng.randrange(merchants)}")
    return ListFigure(count, merchants, setup, first, following, plan)
