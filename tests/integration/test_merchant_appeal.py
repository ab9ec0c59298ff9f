"""The merchant's appeal of a platform decision over the HTTP API: once, within the buyer's
confirmation window, one level up, decided by other staff; not of an agreement."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pipeline.settings import Settings
from tests.api_server import problem_code
from tests.inline import action
from tests.parties import (
    ARBITER,
    BUYER,
    MERCHANT,
    OTHER_ARBITER,
    act,
    events,
    fire,
    forwarded,
    gateway,
    ok,
    view,
)

pytestmark = pytest.mark.integration

BUYER_WINS = {"outcome": {"decision": "buyer_wins", "amount_cents": 12900}, "rule": "r-1"}


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with gateway(settings) as client:
        yield client


def decided(api: httpx.Client, settings: Settings, n: int = 0) -> str:
    """A complaint staff member s_a decided for the buyer, its remedy carried out."""
    cid = forwarded(api, settings, n)
    ok(act(api, settings, cid, MERCHANT, "merchant.dispute", text="not defective"))
    ok(act(api, settings, cid, ARBITER, "platform.decide", **BUYER_WINS))
    ok(act(api, settings, cid, MERCHANT, "merchant.remedy_executed"))
    ok(act(api, settings, cid, ARBITER, "platform.refund_settled"))
    assert view(api, cid)["status"] == "resolved"
    return cid


def test_merchant_appeals_once_and_other_staff_decide(
    api: httpx.Client, settings: Settings
) -> None:
    cid = decided(api, settings)
    assert "merchant.appeal" in view(api, cid, MERCHANT)["allowed_actions"]["merchant"]
    r = ok(act(api, settings, cid, MERCHANT, "merchant.appeal", text="视频显示买家损坏"))
    assert r["status"] == "in_arbitration"
    assert view(api, cid)["escalation_level"] == 1
    again = {"outcome": {"decision": "merchant_wins"}, "rule": "r-2"}
    r = act(api, settings, cid, ARBITER, "platform.decide", **again)
    assert r.status_code == 403 and problem_code(r) == "appeal_needs_other_staff"
    assert ok(act(api, settings, cid, OTHER_ARBITER, "platform.decide", **again))["status"] == (
        "resolved"
    )
    r = act(api, settings, cid, MERCHANT, "merchant.appeal", text="again")
    assert r.status_code == 409 and problem_code(r) == "appeal_already_used"
    # The buyer's own appeal is still there, once.
    assert ok(act(api, settings, cid, BUYER, "buyer.appeal", text="请复核"))["status"] == (
        "in_arbitration"
    )
    assert view(api, cid)["escalation_level"] == 2
    assert events(settings, cid).count("merchant.appeal") == 1


def test_no_appeal_of_an_agreement_or_after_the_window(
    api: httpx.Client, settings: Settings
) -> None:
    agreed = forwarded(api, settings, 1)
    full = {"type": "refund", "amount_cents": 12900}
    ok(act(api, settings, agreed, MERCHANT, "merchant.accept", remedy=full))
    ok(act(api, settings, agreed, BUYER, "buyer.accept_offer"))
    ok(act(api, settings, agreed, MERCHANT, "merchant.remedy_executed"))
    ok(act(api, settings, agreed, ARBITER, "platform.refund_settled"))
    r = act(api, settings, agreed, MERCHANT, "merchant.appeal", text="no")
    assert r.status_code == 409 and problem_code(r) == "no_decision_to_appeal"

    late = decided(api, settings, 2)
    fire(settings, 7 * 24 + 1)  # the buyer's confirmation window elapses: closed
    assert view(api, late)["status"] == "closed"
    r = act(api, settings, late, MERCHANT, "merchant.appeal", text="too late")
    assert r.status_code == 409 and problem_code(r) == "not_allowed_now"


def test_a_replayed_merchant_appeal_is_applied_once(api: httpx.Client, settings: Settings) -> None:
    cid = decided(api, settings)
    body = action(cid, "merchant.appeal", "ignored", text="复核")
    del body["actor"]
    codes = [
        api.post(f"/v1/complaints/{cid}/actions", json=body, headers=MERCHANT).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 200]
    assert events(settings, cid).count("merchant.appeal") == 1
    assert view(api, cid)["escalation_level"] == 1
