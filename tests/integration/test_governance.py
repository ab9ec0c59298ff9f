"""Governance that acts, over the HTTP API: penalty points from breaches fired by the
scheduler put a merchant under supervision (offers need staff approval, shorter answer
windows), shown in its standing, the complaint view and the scorecard; staff or time lift
it; every change is a merchant event."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest

from pipeline.settings import Settings
from pipeline.views import merchant_scorecard
from tests.api_server import as_party, problem_code
from tests.parties import ARBITER, BUYER, MERCHANT, act, fire, forwarded, gateway, ok, rows, view
from workers.runtime import runtime
from workers.scheduler import schedule_once

pytestmark = pytest.mark.integration

SUPERVISOR = as_party("staff", "s_sup", "supervise")
STANDING = "/v1/merchants/m_552/supervision"


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with gateway(settings) as client:
        yield client


def supervised(api: httpx.Client, settings: Settings) -> None:
    """Three answer deadlines missed: three penalty points, supervision."""
    for n in range(3):
        forwarded(api, settings, n)
    assert fire(settings, 73)[0] >= 3


def test_penalty_points_put_the_merchant_under_supervision(
    api: httpx.Client, settings: Settings
) -> None:
    cid = forwarded(api, settings, 9)
    assert ok(api.get(STANDING, headers=MERCHANT))["supervised"] is False
    assert view(api, cid)["merchant_supervised"] is False
    supervised(api, settings)
    standing = ok(api.get(STANDING, headers=MERCHANT))
    assert standing["supervised"] is True and standing["penalty_points_in_window"] >= 3
    assert [e["event"] for e in standing["events"]] == ["supervision.started"]
    assert set(standing["supervision"]["effects"]) == {
        "offers_need_approval",
        "shorter_answer_windows",
    }
    assert view(api, cid)["merchant_supervised"] is True
    with psycopg.connect(settings.database_url) as conn:
        (card,) = merchant_scorecard(conn, datetime.now(UTC) - timedelta(days=1))
    assert card["supervised"] is True
    other = api.get(STANDING, headers=as_party("merchant", "m_other"))
    assert other.status_code == 404
    assert api.get(STANDING, headers=BUYER).status_code == 404


def test_a_supervised_merchant_has_shorter_windows_and_offers_wait_for_staff(
    api: httpx.Client, settings: Settings
) -> None:
    supervised(api, settings)
    cid = forwarded(api, settings, 10)
    (clock,) = rows(
        settings,
        "SELECT due_at - started_at AS span FROM deadlines"
        " WHERE complaint_id = %s AND state = 'open'",
        cid,
    )
    assert clock["span"] == timedelta(hours=36)
    r = ok(act(api, settings, cid, MERCHANT, "merchant.accept", remedy={"type": "exchange"}))
    assert r["status"] == "offer_pending_approval"
    held = act(api, settings, cid, BUYER, "buyer.accept_offer")
    assert held.status_code == 409 and problem_code(held) == "not_allowed_now"
    denied = act(api, settings, cid, ARBITER, "platform.approve_offer")
    assert denied.status_code == 403 and problem_code(denied) == "grant_required"
    r = ok(act(api, settings, cid, SUPERVISOR, "platform.approve_offer", text="可以"))
    assert r["status"] == "merchant_proposed"
    assert [c["kind"] for c in view(api, cid)["clocks"]] == ["buyer_offer_answer"]

    refused = forwarded(api, settings, 11)
    ok(act(api, settings, refused, MERCHANT, "merchant.accept", remedy={"type": "exchange"}))
    r = ok(act(api, settings, refused, SUPERVISOR, "platform.refuse_offer", text="不合规"))
    assert r["status"] == "in_arbitration"


def test_staff_lift_supervision(api: httpx.Client, settings: Settings) -> None:
    supervised(api, settings)
    r = api.post(f"{STANDING}/lift", json={"text": "整改完成"}, headers=ARBITER)
    assert r.status_code == 403 and problem_code(r) == "grant_required"
    r = api.post(f"{STANDING}/lift", json={"text": "整改完成"}, headers=MERCHANT)
    assert r.status_code == 403
    lifted = ok(api.post(f"{STANDING}/lift", json={"text": "整改完成"}, headers=SUPERVISOR))
    assert lifted["supervised"] is False
    assert [e["event"] for e in lifted["events"]] == ["supervision.started", "supervision.lifted"]
    assert lifted["events"][-1]["data"]["by"] == "staff"
    again = api.post(f"{STANDING}/lift", json={}, headers=SUPERVISOR)
    assert again.status_code == 409 and problem_code(again) == "not_supervised"
    cid = forwarded(api, settings, 12)
    r = ok(act(api, settings, cid, MERCHANT, "merchant.accept", remedy={"type": "exchange"}))
    assert r["status"] == "merchant_proposed"  # no approval needed any more


def test_time_lifts_supervision(api: httpx.Client, settings: Settings) -> None:
    supervised(api, settings)
    schedule_once(runtime().pool, datetime.now(UTC) + timedelta(days=29), 100)
    assert ok(api.get(STANDING, headers=MERCHANT))["supervised"] is True
    schedule_once(runtime().pool, datetime.now(UTC) + timedelta(days=31), 100)
    standing = ok(api.get(STANDING, headers=MERCHANT))
    assert standing["supervised"] is False
    assert standing["events"][-1]["event"] == "supervision.lifted"
    assert standing["events"][-1]["data"]["by"] == "time"
