"""Returns over the HTTP API: for return_and_refund and exchange the buyer ships the goods
back and the merchant confirms or disputes receipt, each on a clock the scheduler fires."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pipeline.adapters.s3 import make_s3_client
from pipeline.settings import Settings
from tests.api_server import problem_code
from tests.factories import JPEG, sha
from tests.inline import action
from tests.parties import (
    ARBITER,
    BUYER,
    MERCHANT,
    act,
    events,
    fire,
    forwarded,
    gateway,
    ok,
    rows,
    view,
)

pytestmark = pytest.mark.integration

PARCEL = {"carrier": "SF Express", "tracking_number": "SF1234567890"}


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with gateway(settings) as client:
        yield client


def clock(api: httpx.Client, cid: str) -> tuple[str, str]:
    (c,) = view(api, cid)["clocks"]
    return c["kind"], c["party"]


def agreed_exchange(api: httpx.Client, settings: Settings, n: int = 0) -> str:
    cid = forwarded(api, settings, n)
    ok(act(api, settings, cid, MERCHANT, "merchant.accept", remedy={"type": "exchange"}))
    r = ok(act(api, settings, cid, BUYER, "buyer.accept_offer"))
    assert r["status"] == "awaiting_return"
    return cid


def test_exchange_goes_back_then_is_carried_out(api: httpx.Client, settings: Settings) -> None:
    cid = agreed_exchange(api, settings)
    assert clock(api, cid) == ("buyer_return_shipment", "buyer")
    assert view(api, cid)["allowed_actions"]["buyer"] == [
        "buyer.message",
        "buyer.ship_return",
        "buyer.withdraw",
    ]
    r = ok(act(api, settings, cid, BUYER, "buyer.ship_return", shipment=PARCEL))
    assert r["status"] == "return_in_transit"
    assert clock(api, cid) == ("merchant_return_receipt", "merchant")
    (shipped,) = rows(
        settings, "SELECT data FROM complaint_events WHERE event = 'buyer.ship_return'"
    )
    assert shipped["data"] == PARCEL
    ok(act(api, settings, cid, MERCHANT, "merchant.confirm_receipt"))
    assert clock(api, cid) == ("merchant_remedy", "merchant")
    assert ok(act(api, settings, cid, MERCHANT, "merchant.remedy_executed"))["status"] == "resolved"


def test_a_decision_names_a_returned_remedy_or_not(api: httpx.Client, settings: Settings) -> None:
    returned, refunded = forwarded(api, settings, 1), forwarded(api, settings, 2)
    for cid, extra, status in (
        (returned, {"remedy_type": "return_and_refund"}, "awaiting_return"),
        (refunded, {}, "remedy_in_progress"),
    ):
        ok(act(api, settings, cid, MERCHANT, "merchant.dispute", text="no"))
        outcome = {"decision": "buyer_wins", "amount_cents": 12900, **extra}
        r = ok(act(api, settings, cid, ARBITER, "platform.decide", outcome=outcome, rule="r-1"))
        assert r["status"] == status
    bad = {"decision": "merchant_wins", "remedy_type": "exchange"}
    r = act(api, settings, refunded, ARBITER, "platform.decide", outcome=bad, rule="r-1")
    assert r.status_code == 422


def test_no_shipment_closes_for_the_merchant(api: httpx.Client, settings: Settings) -> None:
    cid = agreed_exchange(api, settings)
    assert fire(settings, 7 * 24 - 1)[0] == 0
    assert fire(settings, 7 * 24 + 1)[0] == 1
    assert view(api, cid)["status"] == "closed"
    (e,) = rows(
        settings, "SELECT data FROM complaint_events WHERE event = 'sla.return_not_shipped'"
    )
    assert (e["data"]["reason"], e["data"]["closed_for"]) == ("return_not_shipped", "merchant")


def test_no_confirmation_means_receipt_assumed(api: httpx.Client, settings: Settings) -> None:
    cid = agreed_exchange(api, settings)
    ok(act(api, settings, cid, BUYER, "buyer.ship_return", shipment=PARCEL))
    assert fire(settings, 10 * 24 + 1)[0] == 1
    assert view(api, cid)["status"] == "remedy_in_progress"
    assert events(settings, cid)[-1] == "sla.receipt_assumed"
    assert clock(api, cid) == ("merchant_remedy", "merchant")
    (stats,) = rows(settings, "SELECT sla_breaches FROM merchant_stats")
    assert stats["sla_breaches"] == 1


def test_merchant_disputes_receipt_with_evidence(api: httpx.Client, settings: Settings) -> None:
    cid = agreed_exchange(api, settings)
    ok(act(api, settings, cid, BUYER, "buyer.ship_return", shipment=PARCEL))
    key = "evidence/m_552/parcel.jpg"
    make_s3_client(settings).put_object(Bucket=settings.s3_bucket, Key=key, Body=JPEG)
    item: dict[str, Any] = {
        "key": key,
        "kind": "photo",
        "content_type": "image/jpeg",
        "size": len(JPEG),
        "sha256": sha(JPEG),
    }
    r = act(
        api, settings, cid, MERCHANT, "merchant.dispute_receipt", text="包裹是空的", evidence=[item]
    )
    assert ok(r)["status"] == "in_arbitration"
    merchant_items = [e for e in view(api, cid)["evidence"] if e["submitted_by"] == "merchant"]
    assert [(e["key"], e["verdict"]) for e in merchant_items] == [(key, "ok")]


def test_shipment_is_checked_and_applied_once(api: httpx.Client, settings: Settings) -> None:
    cid = agreed_exchange(api, settings)
    r = act(
        api, settings, cid, BUYER, "buyer.ship_return", shipment={**PARCEL, "tracking_number": "x"}
    )
    assert r.status_code == 422
    body = action(cid, "buyer.ship_return", "ignored", shipment=PARCEL)
    del body["actor"]
    codes = [
        api.post(f"/v1/complaints/{cid}/actions", json=body, headers=BUYER).status_code
        for _ in range(2)
    ]
    assert codes == [200, 200]
    again = act(api, settings, cid, BUYER, "buyer.ship_return", shipment=PARCEL)
    assert again.status_code == 409 and problem_code(again) == "not_allowed_now"
    assert events(settings, cid).count("buyer.ship_return") == 1
