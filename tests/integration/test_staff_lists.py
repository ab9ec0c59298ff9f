"""The lists platform staff look through beside the queues, over HTTP on real services:
cases waiting for a decision (none for buyers and merchants), and merchants under
supervision with why and since when (a merchant sees only itself, a buyer nothing); both
in the OpenAPI document with their problem answers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pipeline.settings import Settings
from tests.api_server import as_party, problem_code
from tests.integration.test_cases import BUYER_WINS, payload, submit
from tests.parties import ARBITER, BUYER, MERCHANT, fire, forwarded, gateway, ok

pytestmark = pytest.mark.integration

SUPERVISOR = as_party("staff", "s_sup", "supervise")


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with gateway(settings) as client:
        yield client


def test_staff_list_open_cases_and_parties_see_none(api: httpx.Client, settings: Settings) -> None:
    red = submit(api, settings, *(payload(settings, n) for n in range(5)))
    blue = submit(api, settings, *(payload(settings, n, order__sku="sku-b") for n in range(5, 10)))
    listed = ok(api.get("/v1/cases", headers=ARBITER))
    assert [(c["product_key"], c["complaints"]) for c in listed["items"]] == [
        ("sku:sku-7-red", 5),
        ("sku:sku-b", 5),
    ]
    assert listed["next_cursor"] is None
    first = ok(api.get("/v1/cases", params={"limit": 1}, headers=ARBITER))
    rest = ok(api.get("/v1/cases", params={"cursor": first["next_cursor"]}, headers=ARBITER))
    assert [c["id"] for c in first["items"] + rest["items"]] == [c["id"] for c in listed["items"]]
    case = ok(api.get(f"/v1/cases/{listed['items'][0]['id']}", headers=ARBITER))
    assert sorted(c["id"] for c in case["complaints"]) == sorted(red)
    assert len(blue) == 5
    body = {"idempotency_key": "list-1", "outcome": BUYER_WINS, "rule": "batch-1"}
    ok(api.post(f"/v1/cases/{case['id']}/decisions", json=body, headers=ARBITER))
    still_open = ok(api.get("/v1/cases", headers=ARBITER))["items"]
    assert [c["product_key"] for c in still_open] == ["sku:sku-b"]
    decided = ok(api.get("/v1/cases", params={"state": "decided"}, headers=ARBITER))["items"]
    assert [c["id"] for c in decided] == [case["id"]] and decided[0]["decided_at"]
    for party in (MERCHANT, BUYER):
        r = api.get("/v1/cases", headers=party)
        assert r.status_code == 403 and problem_code(r) == "forbidden"
    r = api.get("/v1/cases", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=ARBITER)
    assert r.status_code == 422 and problem_code(r) == "invalid"


def test_merchants_under_supervision_with_why_and_since_when(
    api: httpx.Client, settings: Settings
) -> None:
    assert ok(api.get("/v1/merchants/supervised", headers=SUPERVISOR))["items"] == []
    ids = [forwarded(api, settings, n) for n in range(3)]
    assert fire(settings, 73)[0] >= 3  # three answer deadlines missed: supervision
    (item,) = ok(api.get("/v1/merchants/supervised", headers=SUPERVISOR))["items"]
    assert item["merchant_id"] == "m_552"
    assert (item["points"], item["threshold"]) == (3, 3)
    assert item["reasons"] == {"merchant_answer_deadline": 3}
    assert item["complaint_id"] in ids and item["since"] < item["until"]
    assert set(item["effects"]) == {"offers_need_approval", "shorter_answer_windows"}
    # A merchant sees only its own supervision; a buyer none.
    mine = ok(api.get("/v1/merchants/supervised", headers=MERCHANT))["items"]
    assert [i["merchant_id"] for i in mine] == ["m_552"]
    other = as_party("merchant", "m_other")
    assert ok(api.get("/v1/merchants/supervised", headers=other))["items"] == []
    r = api.get("/v1/merchants/supervised", headers=BUYER)
    assert r.status_code == 403 and problem_code(r) == "forbidden"
    r = api.get("/v1/merchants/supervised", params={"cursor": "x"}, headers=SUPERVISOR)
    assert r.status_code == 422 and problem_code(r) == "invalid"
    lift = api.post("/v1/merchants/m_552/supervision/lift", json={}, headers=SUPERVISOR)
    assert ok(lift)["supervised"] is False
    assert ok(api.get("/v1/merchants/supervised", headers=ARBITER))["items"] == []


@pytest.mark.parametrize("path", ["/v1/cases", "/v1/merchants/supervised"])
def test_the_lists_are_documented_with_their_problems(api: httpx.Client, path: str) -> None:
    doc = ok(api.get("/openapi.json"))
    answers = doc["paths"][path]["get"]["responses"]
    assert "200" in answers
    for status in ("401", "403", "422"):
        assert "application/problem+json" in answers[status]["content"], (path, status)
