"""Money through the payments port over the HTTP API: a refund is instructed to the Redis
stream with an idempotency key (at least once, deduplicable), and only the payment
system's answer moves the complaint on; the platform's execution after a merchant's
breach goes the same way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis

from pipeline.adapters.payments import STREAM
from pipeline.settings import Settings
from tests.api_server import as_party, problem_code
from tests.inline import action, drain_outbox, one
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

FULL = {"type": "refund", "amount_cents": 12900}
#: The payment system: an API client acting for the platform.
PAYMENTS = {"Authorization": "Bearer platform-token-01234567"}
OPERATOR = as_party("staff", "s_ops", "arbitrate")


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with gateway(settings) as client:
        yield client


def stream(settings: Settings) -> list[dict[str, Any]]:
    entries = redis.Redis.from_url(settings.redis_url).xrange(STREAM)
    return [json.loads(fields[b"data"]) for _, fields in entries]


def answer(
    api: httpx.Client, settings: Settings, cid: str, name: str, key: str | None, **extra: Any
) -> httpx.Response:
    settlement = {"instruction": key, **extra} if key else extra
    body = action(cid, name, "payments", settlement=settlement)
    r = api.post(f"/v1/complaints/{cid}/actions", json=body, headers=PAYMENTS)
    drain_outbox(settings)
    return r


def refund_agreed(api: httpx.Client, settings: Settings, n: int = 0) -> str:
    cid = forwarded(api, settings, n)
    ok(act(api, settings, cid, MERCHANT, "merchant.accept", remedy=FULL))
    ok(act(api, settings, cid, BUYER, "buyer.accept_offer"))
    return cid


def test_a_refund_leaves_through_the_port_and_waits_for_settlement(
    api: httpx.Client, settings: Settings
) -> None:
    cid = refund_agreed(api, settings)
    r = ok(act(api, settings, cid, MERCHANT, "merchant.remedy_executed"))
    assert r["status"] == "awaiting_settlement"
    v = view(api, cid)
    key = v["payment"]["idempotency_key"]
    assert (v["payment"]["state"], v["payment"]["amount_cents"]) == ("instructed", 12900)
    assert v["payment"]["published_at"] is not None
    assert [c["kind"] for c in v["clocks"]] == ["refund_settlement"]
    (sent,) = stream(settings)
    assert sent["type"] == "refund.instructed"
    assert (sent["idempotency_key"], sent["amount_cents"], sent["currency"]) == (key, 12900, "CNY")
    assert (sent["order_id"], sent["executed_by"]) == ("o-0", "merchant")
    # Redelivered publication: a second entry with the same key (the consumer dedupes).
    one("publish_payment", complaint_id=cid, idempotency_key=key)
    assert [e["idempotency_key"] for e in stream(settings)] == [key, key]

    settled = ok(answer(api, settings, cid, "platform.refund_settled", key, reference="pay-1"))
    assert settled["status"] == "resolved"
    # The payment system answers again (a new request, the same instruction): no new event.
    assert ok(answer(api, settings, cid, "platform.refund_settled", key))["status"] == "resolved"
    assert events(settings, cid).count("refund.settled") == 1
    assert view(api, cid)["payment"]["reference"] == "pay-1"


def test_a_failed_refund_goes_back_to_the_merchant(api: httpx.Client, settings: Settings) -> None:
    cid = refund_agreed(api, settings)
    ok(act(api, settings, cid, MERCHANT, "merchant.remedy_executed"))
    r = answer(api, settings, cid, "platform.refund_failed", "refund:nope:1", reason="x")
    assert r.status_code == 409 and problem_code(r) == "unknown_instruction"
    failed = ok(answer(api, settings, cid, "platform.refund_failed", None, reason="卡已注销"))
    assert failed["status"] == "remedy_in_progress"
    assert [c["kind"] for c in view(api, cid)["clocks"]] == ["merchant_remedy"]
    ok(act(api, settings, cid, MERCHANT, "merchant.remedy_executed"))
    keys = [e["idempotency_key"] for e in stream(settings)]
    assert keys == [f"refund:{cid}:1", f"refund:{cid}:2"]
    r = ok(act(api, settings, cid, OPERATOR, "platform.refund_settled"))  # staff, no key
    assert r["status"] == "resolved"


def test_platform_executes_after_a_breach_through_the_same_port(
    api: httpx.Client, settings: Settings
) -> None:
    cid = forwarded(api, settings)
    ok(act(api, settings, cid, MERCHANT, "merchant.dispute", text="no"))
    decided = {"outcome": {"decision": "partial", "amount_cents": 4000}, "rule": "r-1"}
    ok(act(api, settings, cid, ARBITER, "platform.decide", **decided))
    assert fire(settings, 25)[0] == 1
    v = view(api, cid)
    assert v["status"] == "awaiting_settlement"
    assert events(settings, cid)[-2:] == ["sla.remedy_breached", "refund.instructed"]
    (sent,) = stream(settings)
    assert (sent["executed_by"], sent["amount_cents"]) == ("platform", 4000)
    (stats,) = rows(settings, "SELECT penalty_points FROM merchant_stats")
    assert stats["penalty_points"] == 1
    # No answer from the payment system in time: escalated, the platform told.
    assert fire(settings, 50)[0] == 1
    assert view(api, cid)["escalation_level"] == 1
    assert events(settings, cid)[-1] == "sla.settlement_overdue"


def test_a_remedy_in_kind_needs_no_payment(api: httpx.Client, settings: Settings) -> None:
    cid = forwarded(api, settings)
    ok(act(api, settings, cid, MERCHANT, "merchant.dispute", text="no"))
    decided = {"outcome": {"decision": "buyer_wins", "amount_cents": 0}, "rule": "r-1"}
    ok(act(api, settings, cid, ARBITER, "platform.decide", **decided))
    assert fire(settings, 25)[0] == 1
    assert view(api, cid)["status"] == "resolved"
    assert events(settings, cid)[-1] == "platform.remedy_executed"
    assert stream(settings) == []


def test_settled_and_failed_racing_apply_one(api: httpx.Client, settings: Settings) -> None:
    cid = refund_agreed(api, settings)
    ok(act(api, settings, cid, MERCHANT, "merchant.remedy_executed"))
    key = view(api, cid)["payment"]["idempotency_key"]

    def send(name: str) -> int:
        return answer(api, settings, cid, name, key, reason="r").status_code

    with ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(send, ["platform.refund_settled", "platform.refund_failed"]))
    assert codes.count(200) >= 1
    answers = [e for e in events(settings, cid) if e in ("refund.settled", "refund.failed")]
    assert len(answers) == 1
