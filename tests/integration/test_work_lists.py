"""GET /v1/complaints: filters, the caller's visibility, due-time order and keyset pages, on
a real gateway over real PostgreSQL, Redis and SeaweedFS (the pipeline run inline)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from pipeline.adapters.s3 import make_s3_client
from pipeline.settings import Settings
from tests.api_server import as_party, problem_code, serving
from tests.factories import JPEG, complaint_payload
from tests.inline import action, drain_outbox
from workers.runtime import bound

pytestmark = pytest.mark.integration

INGEST = {"Authorization": "Bearer ingest-token-0123456789"}
READ = {"Authorization": "Bearer reader-token-0123456789"}
STAFF = as_party("staff", "s_1", "review")


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with serving(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def submit(api: httpx.Client, n: int, buyer: str, merchant: str, **extra: Any) -> str:
    payload = complaint_payload(
        external_id=f"w-{n}", buyer_id=buyer, merchant_id=merchant, order__order_id=f"o-{n}"
    )
    payload["evidence"][0]["key"] = f"evidence/{buyer}/p.jpg"
    for key, value in extra.items():
        payload[key] = value
    r = api.post("/v1/complaints", json=payload, headers=INGEST)
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


@pytest.fixture
def world(api: httpx.Client, settings: Settings) -> dict[str, str]:
    """Complaints of two merchants and two buyers in several states."""
    s3 = make_s3_client(settings)
    for buyer in ("b_1", "b_2"):
        s3.put_object(Bucket=settings.s3_bucket, Key=f"evidence/{buyer}/p.jpg", Body=JPEG)
    ids = {
        "m1_a": submit(api, 1, "b_1", "m_1"),
        "m1_b": submit(api, 2, "b_2", "m_1", title="快递盒子压坏了"),
        "m1_offer": submit(api, 3, "b_1", "m_1"),
        "m2_a": submit(api, 4, "b_1", "m_2", category="service", evidence=[]),
        "m2_b": submit(api, 5, "b_2", "m_2"),
    }
    unpaid = complaint_payload(
        external_id="w-6", buyer_id="b_2", merchant_id="m_1", order__order_id="o-6"
    )
    unpaid["order"]["paid_at"] = None
    unpaid["evidence"] = []
    ids["rejected"] = api.post("/v1/complaints", json=unpaid, headers=INGEST).json()["id"]
    with bound(settings):
        drain_outbox(settings)
        accept = action(ids["m1_offer"], "merchant.accept", "m_1", remedy={"type": "exchange"})
        r = api.post(
            f"/v1/complaints/{ids['m1_offer']}/actions",
            json=accept,
            headers=as_party("merchant", "m_1"),
        )
        assert r.status_code == 200, r.text
        drain_outbox(settings)
    return ids


def listed(api: httpx.Client, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    r = api.get("/v1/complaints", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def ids_of(items: list[dict[str, Any]]) -> list[str]:
    return [i["id"] for i in items]


def running_clocks(settings: Settings) -> dict[str, dict[str, Any]]:
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        rows = conn.execute(
            "SELECT complaint_id::text AS id, party::text, due_at FROM deadlines"
            " WHERE state = 'open'"
        ).fetchall()
    return {r["id"]: r for r in rows}


def test_merchant_inbox_lists_exactly_its_complaints_waiting_on_it_by_due_time(
    api: httpx.Client, world: dict[str, str], settings: Settings
) -> None:
    inbox = listed(api, as_party("merchant", "m_1"), waiting_on="merchant")
    assert set(ids_of(inbox)) == {world["m1_a"], world["m1_b"]}
    assert [i["due_at"] for i in inbox] == sorted(i["due_at"] for i in inbox)
    assert all(i["status"] == "awaiting_merchant" and i["remaining_seconds"] > 0 for i in inbox)
    everything = listed(api, as_party("merchant", "m_1"))
    assert set(ids_of(everything)) == {
        world["m1_a"],
        world["m1_b"],
        world["m1_offer"],
        world["rejected"],
    }
    assert everything[-1]["id"] == world["rejected"] and everything[-1]["due_at"] is None
    # Another merchant's complaints: an empty list, not an error.
    assert listed(api, as_party("merchant", "m_1"), merchant_id="m_2") == []
    assert listed(api, as_party("merchant", "m_2"), waiting_on="merchant") == [
        next(i for i in listed(api, READ) if i["id"] == world["m2_b"])
    ]
    # The row's copy of the running clock is the ledger's open deadline, for every complaint.
    clocks = running_clocks(settings)
    for item in listed(api, STAFF, limit=200):
        clock = clocks.get(item["id"])
        assert item["waiting_on"] == (clock["party"] if clock else None), item
        assert item["due_at"] == (clock["due_at"].isoformat() if clock else None), item


def test_buyers_see_their_own_and_staff_and_readers_see_all(
    api: httpx.Client, world: dict[str, str]
) -> None:
    mine = listed(api, as_party("buyer", "b_1"))
    assert set(ids_of(mine)) == {world["m1_a"], world["m1_offer"], world["m2_a"]}
    assert listed(api, as_party("buyer", "b_1"), buyer_id="b_2") == []
    waiting = listed(api, as_party("buyer", "b_1"), waiting_on="buyer")
    assert set(ids_of(waiting)) == {world["m1_offer"], world["m2_a"]}
    assert len(listed(api, STAFF)) == len(listed(api, READ)) == 6
    no_read = {"Authorization": "Bearer merchant-token-012345678"}
    r = api.get("/v1/complaints", headers=no_read)
    assert r.status_code == 403 and problem_code(r) == "forbidden"


def test_filters(api: httpx.Client, world: dict[str, str], settings: Settings) -> None:
    assert ids_of(listed(api, STAFF, status="rejected")) == [world["rejected"]]
    assert ids_of(listed(api, STAFF, category="service")) == [world["m2_a"]]
    assert set(ids_of(listed(api, STAFF, merchant_id="m_2"))) == {world["m2_a"], world["m2_b"]}
    assert ids_of(listed(api, STAFF, q="盒子压")) == [world["m1_b"]]
    assert listed(api, STAFF, q="%") == []  # a literal, not a pattern
    assert (
        listed(api, STAFF, q="坏点", waiting_on="buyer", merchant_id="m_1")[0]["id"]
        == (world["m1_offer"])
    )
    with psycopg.connect(settings.database_url) as conn:
        conn.execute("UPDATE complaints SET escalation_level = 2 WHERE id = %s", (world["m2_b"],))
    assert ids_of(listed(api, STAFF, escalation_level=2)) == [world["m2_b"]]
    everything = listed(api, STAFF)
    cut = everything[2]["due_at"]
    assert ids_of(listed(api, STAFF, due_before=cut)) == ids_of(everything[:2])
    r = api.get("/v1/complaints", params={"due_before": "2026-12-01T00:00:00"}, headers=STAFF)
    assert r.status_code == 422
    r = api.get("/v1/complaints", params={"waiting_on": "system"}, headers=STAFF)
    assert r.status_code == 422
    r = api.get("/v1/complaints", params={"limit": 201}, headers=STAFF)
    assert r.status_code == 422


def test_pages_are_stable_under_concurrent_inserts(
    api: httpx.Client, world: dict[str, str], settings: Settings
) -> None:
    before = ids_of(listed(api, STAFF))
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        r = api.get("/v1/complaints", params=params, headers=STAFF)
        assert r.status_code == 200, r.text
        body = r.json()
        seen += ids_of(body["items"])
        pages += 1
        if pages == 1:  # new complaints arrive while the list is being read
            for n in (7, 8):
                submit(api, n, "b_1", "m_1")
        cursor = body["next_cursor"]
        if cursor is None:
            break
    # The new ones (in review, due sooner) sort ahead of the cursor: this walk is exactly
    # the list as it stood, nothing skipped or repeated; a fresh walk sees them first.
    assert seen == before
    assert len(ids_of(listed(api, STAFF))) == len(before) + 2
    bad = api.get("/v1/complaints", params={"cursor": "bm90IGEgY3Vyc29y"}, headers=STAFF)
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "cursor"


def test_the_inbox_page_is_one_range_of_the_merchant_index(settings: Settings) -> None:
    """With the benchmark's data mix (smaller), the inbox query reads only the merchant's
    waiting rows, from the merchant index (in its order, or sorting those few)."""
    from benchmarks.list_bench import inbox_plan, seed_complaints

    seed_complaints(settings.database_url, 20_000, 200)
    plan = inbox_plan(settings.database_url, "m_17")
    assert "Index Cond: ((merchant_id = 'm_17'::text) AND (waiting_on = " in plan, plan
    assert "complaints_merchant_work_idx" in plan, plan
    assert "Seq Scan" not in plan and "Filter" not in plan, plan
    # A later page starts inside the range: the cursor is part of the index condition.
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(
            "SELECT due_at, id::text FROM complaints WHERE merchant_id = 'm_17'"
            " AND waiting_on = 'merchant' ORDER BY due_at, id OFFSET 20 LIMIT 1"
        ).fetchone()
    assert row is not None
    later = inbox_plan(settings.database_url, "m_17", (row[0], row[1]))
    assert "Index Cond: ((merchant_id = 'm_17'::text) AND (waiting_on = " in later, later
    assert "ROW(COALESCE(due_at" in later.split("Index Cond", 1)[1].split("\n", 1)[0], later
    assert "Seq Scan" not in later and "Filter" not in later, later
