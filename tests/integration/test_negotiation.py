"""Negotiation over the HTTP API: revised offers, counter-offers, the answering party's
clock in each round, arbitration after three rounds or a breach, and a partial refund the
buyer accepts as a normal outcome."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from pipeline.settings import Settings
from tests.api_server import problem_code
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

PARTIAL = {"type": "refund", "amount_cents": 5000}


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with gateway(settings) as client:
        yield client


def clock_of(api: httpx.Client, cid: str) -> tuple[str, str]:
    (c,) = view(api, cid)["clocks"]
    return c["kind"], c["party"]


def test_partial_refund_accepted_by_the_buyer_is_a_normal_outcome(
    api: httpx.Client, settings: Settings
) -> None:
    cid = forwarded(api, settings)
    ok(act(api, settings, cid, MERCHANT, "merchant.accept", remedy=PARTIAL))
    v = view(api, cid)
    assert v["status"] == "merchant_proposed"
    assert v["remedy"] == {
        **PARTIAL,
        "by": "merchant",
        "round": 1,
        "explicit": "quality_partial_refund_needs_buyer",
    }
    ok(act(api, settings, cid, BUYER, "buyer.accept_offer"))
    v = view(api, cid)
    assert v["status"] == "remedy_in_progress"
    assert (v["outcome"]["decision"], v["outcome"]["amount_cents"]) == ("agreed", 5000)
    ok(act(api, settings, cid, MERCHANT, "merchant.remedy_executed"))
    assert view(api, cid)["payment"]["amount_cents"] == 5000
    assert ok(act(api, settings, cid, ARBITER, "platform.refund_settled"))["status"] == "resolved"


def test_counter_offer_and_revision_each_run_the_answering_partys_clock(
    api: httpx.Client, settings: Settings
) -> None:
    cid = forwarded(api, settings)
    ok(act(api, settings, cid, MERCHANT, "merchant.accept", remedy=PARTIAL))
    assert clock_of(api, cid) == ("buyer_offer_answer", "buyer")
    # A revision of a pending offer starts the buyer's clock again, with the new offer.
    ok(act(api, settings, cid, MERCHANT, "merchant.revise_offer", remedy={"type": "exchange"}))
    v = view(api, cid)
    assert (v["status"], v["remedy"]) == (
        "merchant_proposed",
        {"type": "exchange", "by": "merchant", "round": 2},
    )
    live = rows(
        settings,
        "SELECT state::text FROM deadlines WHERE complaint_id = %s AND kind = "
        "'buyer_offer_answer' ORDER BY id",
        cid,
    )
    assert [r["state"] for r in live] == ["closed", "open"]
    countered = {"type": "refund", "amount_cents": 10000}
    r = ok(act(api, settings, cid, BUYER, "buyer.counter_offer", remedy=countered, text="要退款"))
    assert r["status"] == "buyer_countered"
    assert clock_of(api, cid) == ("merchant_counter_answer", "merchant")
    assert view(api, cid, MERCHANT)["allowed_actions"]["merchant"] == [
        "merchant.accept_counter",
        "merchant.message",
        "merchant.reject_counter",
        "merchant.request_extension",
        "merchant.revise_offer",
    ]
    ok(act(api, settings, cid, MERCHANT, "merchant.accept_counter"))
    v = view(api, cid)
    assert v["status"] == "remedy_in_progress"
    assert v["outcome"]["remedy"] == {**countered, "by": "buyer", "round": 2}
    assert v["outcome"]["amount_cents"] == 10000
    assert events(settings, cid)[-1] == "merchant.accept_counter"


def test_merchant_rejects_a_counter_offer(api: httpx.Client, settings: Settings) -> None:
    cid = forwarded(api, settings)
    ok(act(api, settings, cid, MERCHANT, "merchant.accept", remedy=PARTIAL))
    ok(act(api, settings, cid, BUYER, "buyer.counter_offer", remedy={"type": "exchange"}))
    r = ok(act(api, settings, cid, MERCHANT, "merchant.reject_counter", text="不同意换货"))
    assert r["status"] == "in_arbitration"


def test_after_three_rounds_the_platform_arbitrates(api: httpx.Client, settings: Settings) -> None:
    cid = forwarded(api, settings)
    ok(act(api, settings, cid, MERCHANT, "merchant.accept", remedy=PARTIAL))
    for amount in (6000, 7000):  # rounds 2 and 3, each after a counter-offer
        ok(
            act(
                api,
                settings,
                cid,
                BUYER,
                "buyer.counter_offer",
                remedy={**PARTIAL, "amount_cents": 11000},
            )
        )
        ok(
            act(
                api,
                settings,
                cid,
                MERCHANT,
                "merchant.revise_offer",
                remedy={**PARTIAL, "amount_cents": amount},
            )
        )
    r = ok(
        act(
            api,
            settings,
            cid,
            BUYER,
            "buyer.counter_offer",
            remedy={**PARTIAL, "amount_cents": 9000},
        )
    )
    assert r["status"] == "in_arbitration"
    assert events(settings, cid)[-2:] == ["buyer.counter_offer", "platform.negotiation_exhausted"]
    assert clock_of(api, cid) == ("platform_arbitration", "platform")
    decided = {"outcome": {"decision": "partial", "amount_cents": 9000}, "rule": "r-1"}
    assert ok(act(api, settings, cid, ARBITER, "platform.decide", **decided))["status"] == (
        "remedy_in_progress"
    )


def test_a_fourth_merchant_offer_is_refused(api: httpx.Client, settings: Settings) -> None:
    cid = forwarded(api, settings)
    ok(act(api, settings, cid, MERCHANT, "merchant.accept", remedy=PARTIAL))
    for amount in (6000, 7000):
        ok(
            act(
                api,
                settings,
                cid,
                MERCHANT,
                "merchant.revise_offer",
                remedy={**PARTIAL, "amount_cents": amount},
            )
        )
    before = events(settings, cid)
    r = act(
        api,
        settings,
        cid,
        MERCHANT,
        "merchant.revise_offer",
        remedy={**PARTIAL, "amount_cents": 8000},
    )
    assert r.status_code == 409 and problem_code(r) == "offer_rounds_exhausted"
    assert r.json()["allowed"]["buyer"][:2] == ["buyer.accept_offer", "buyer.counter_offer"]
    assert events(settings, cid) == before


def test_merchant_silence_on_a_counter_offer_sends_it_to_the_platform(
    api: httpx.Client, settings: Settings
) -> None:
    cid = forwarded(api, settings)
    ok(act(api, settings, cid, MERCHANT, "merchant.accept", remedy={"type": "exchange"}))
    ok(act(api, settings, cid, BUYER, "buyer.counter_offer", remedy={"type": "return_and_refund"}))
    assert fire(settings, 47)[0] == 0
    assert fire(settings, 49)[0] == 1
    v = view(api, cid)
    assert v["status"] == "in_arbitration"
    assert events(settings, cid)[-1] == "sla.counter_timeout"
    (stats,) = rows(settings, "SELECT sla_breaches FROM merchant_stats")
    assert stats["sla_breaches"] == 1


def test_buyer_silence_accepts_an_ordinary_offer_but_not_one_needing_an_explicit_answer(
    api: httpx.Client, settings: Settings
) -> None:
    ordinary, explicit = forwarded(api, settings, 1), forwarded(api, settings, 2)
    ok(act(api, settings, ordinary, MERCHANT, "merchant.accept", remedy={"type": "exchange"}))
    ok(act(api, settings, explicit, MERCHANT, "merchant.accept", remedy=PARTIAL))
    assert fire(settings, 49)[0] == 2
    assert view(api, ordinary)["status"] == "awaiting_return"  # an exchange: goods go back
    assert view(api, ordinary)["outcome"]["by"] == "silence"
    v = view(api, explicit)
    assert (v["status"], v["outcome"]) == ("in_arbitration", None)
    (e,) = rows(settings, "SELECT data FROM complaint_events WHERE event = 'sla.offer_unanswered'")
    assert e["data"]["rule"] == "quality_partial_refund_needs_buyer"


def test_counter_offers_replayed_and_racing(api: httpx.Client, settings: Settings) -> None:
    cid = forwarded(api, settings)
    ok(act(api, settings, cid, MERCHANT, "merchant.accept", remedy=PARTIAL))
    body = action(cid, "buyer.counter_offer", "ignored", remedy={**PARTIAL, "amount_cents": 9000})
    del body["actor"]
    first = api.post(f"/v1/complaints/{cid}/actions", json=body, headers=BUYER)
    again = api.post(f"/v1/complaints/{cid}/actions", json=body, headers=BUYER)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert events(settings, cid).count("buyer.counter_offer") == 1

    ok(act(api, settings, cid, MERCHANT, "merchant.revise_offer", remedy={"type": "exchange"}))

    def counter(amount: int) -> int:
        return act(
            api,
            settings,
            cid,
            BUYER,
            "buyer.counter_offer",
            remedy={**PARTIAL, "amount_cents": amount},
        ).status_code

    with ThreadPoolExecutor(4) as pool:
        codes = sorted(pool.map(counter, (9100, 9200, 9300, 9400)))
    assert codes == [200, 409, 409, 409]
    assert events(settings, cid).count("buyer.counter_offer") == 2
