"""Asking for time and for information over the HTTP API: one extension of the merchant's
running clock, granted or refused by the buyer or staff, lapsing in silence; staff asking a
party for information, their own clock paused meanwhile; breaches fired by the scheduler."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import psycopg
import pytest

from pipeline.settings import Settings
from tests.api_server import problem_code
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

CLOCKS = "SELECT kind, state::text FROM deadlines WHERE complaint_id = %s ORDER BY id"


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with gateway(settings) as client:
        yield client


def ask(api: httpx.Client, settings: Settings, cid: str, hours: int = 24) -> httpx.Response:
    return act(
        api, settings, cid, MERCHANT, "merchant.request_extension", hours=hours, text="春节备货"
    )


def due(settings: Settings, cid: str) -> object:
    (d,) = rows(
        settings, "SELECT due_at FROM deadlines WHERE complaint_id = %s AND state = 'open'", cid
    )
    return d["due_at"]


def test_buyer_grants_one_extension_and_the_clock_moves(
    api: httpx.Client, settings: Settings
) -> None:
    cid = forwarded(api, settings)
    before = due(settings, cid)
    ok(ask(api, settings, cid))
    assert due(settings, cid) == before  # asking alone changes nothing
    assert "buyer.grant_extension" in view(api, cid)["allowed_actions"]["buyer"]
    ok(act(api, settings, cid, BUYER, "buyer.grant_extension"))
    assert due(settings, cid) == before + timedelta(hours=24)
    with psycopg.connect(settings.database_url) as conn:  # the inbox sorts on the row's copy
        row = conn.execute("SELECT due_at FROM complaints WHERE id = %s", (cid,)).fetchone()
    assert row is not None and row[0] == before + timedelta(hours=24)
    r = ask(api, settings, cid, 12)
    assert r.status_code == 409 and problem_code(r) == "extension_already_used"
    assert fire(settings, 73)[0] == 0  # the old due time passes: nothing fires
    assert fire(settings, 97)[0] == 1
    assert view(api, cid)["status"] == "remedy_in_progress"
    assert events(settings, cid).count("extension.granted") == 1


def test_staff_refuse_and_silence_refuses(api: httpx.Client, settings: Settings) -> None:
    refused, silent = forwarded(api, settings, 1), forwarded(api, settings, 2)
    before = due(settings, refused)
    ok(ask(api, settings, refused))
    ok(ask(api, settings, silent))
    ok(act(api, settings, refused, ARBITER, "platform.refuse_extension", text="无正当理由"))
    assert due(settings, refused) == before
    r = act(api, settings, refused, BUYER, "buyer.grant_extension")
    assert r.status_code == 409 and problem_code(r) == "no_pending_extension"
    assert fire(settings, 73)[0] == 2
    assert events(settings, silent)[-4:-2] == ["merchant.request_extension", "extension.lapsed"]
    assert "sla.merchant_breached" in events(settings, silent)
    assert "extension.lapsed" not in events(settings, refused)
    assert {view(api, c)["status"] for c in (refused, silent)} == {"remedy_in_progress"}


def test_extensions_are_for_the_merchants_own_running_clock(
    api: httpx.Client, settings: Settings
) -> None:
    cid = forwarded(api, settings)
    r = ask(api, settings, cid, hours=49)
    assert r.status_code == 422
    r = act(api, settings, cid, BUYER, "buyer.grant_extension")
    assert r.status_code == 409 and problem_code(r) == "no_pending_extension"
    ok(act(api, settings, cid, MERCHANT, "merchant.accept", remedy={"type": "exchange"}))
    r = ask(api, settings, cid)  # the buyer's clock runs now
    assert r.status_code == 409 and problem_code(r) == "not_allowed_now"


def test_grant_and_refusal_racing_apply_one(api: httpx.Client, settings: Settings) -> None:
    cid = forwarded(api, settings)
    ok(ask(api, settings, cid))

    def answer(who: tuple[dict[str, str], str]) -> int:
        return act(api, settings, cid, who[0], who[1]).status_code

    with ThreadPoolExecutor(2) as pool:
        codes = sorted(
            pool.map(
                answer, [(BUYER, "buyer.grant_extension"), (ARBITER, "platform.refuse_extension")]
            )
        )
    assert codes == [200, 409]
    answers = [e for e in events(settings, cid) if e.startswith("extension.")]
    assert len(answers) == 1


def test_staff_ask_for_information_and_their_clock_pauses(
    api: httpx.Client, settings: Settings
) -> None:
    cid = forwarded(api, settings)
    ok(act(api, settings, cid, MERCHANT, "merchant.dispute", text="not defective"))
    r = ok(
        act(
            api,
            settings,
            cid,
            ARBITER,
            "platform.request_information",
            party="buyer",
            text="请提供开箱视频",
        )
    )
    assert r["status"] == "awaiting_information"
    clocks = {(c["kind"], c["party"], c["paused"]) for c in view(api, cid)["clocks"]}
    assert clocks == {
        ("platform_arbitration", "platform", True),
        ("information_answer", "buyer", False),
    }
    told = rows(
        settings,
        "SELECT recipient_role::text AS r FROM notifications"
        " WHERE kind = 'platform.request_information'",
    )
    assert told == [{"r": "buyer"}]
    r = act(api, settings, cid, MERCHANT, "merchant.provide_information", text="我来回答")
    assert r.status_code == 409 and problem_code(r) == "not_asked"
    ok(act(api, settings, cid, BUYER, "buyer.provide_information", text="视频已上传"))
    v = view(api, cid)
    assert v["status"] == "in_arbitration"
    assert [(c["kind"], c["paused"]) for c in v["clocks"]] == [("platform_arbitration", False)]
    (arb,) = rows(
        settings, "SELECT paused_total FROM deadlines WHERE kind = 'platform_arbitration'"
    )
    assert arb["paused_total"] > timedelta(0)


def test_unanswered_information_request_resumes_arbitration(
    api: httpx.Client, settings: Settings
) -> None:
    cid = forwarded(api, settings)
    ok(act(api, settings, cid, MERCHANT, "merchant.dispute", text="not defective"))
    ok(
        act(
            api,
            settings,
            cid,
            ARBITER,
            "platform.request_information",
            party="merchant",
            text="请提供发货记录",
        )
    )
    ok(act(api, settings, cid, MERCHANT, "merchant.request_extension", hours=12, text="仓库盘点"))
    assert fire(settings, 47)[0] == 0
    assert fire(settings, 49)[0] == 1
    assert view(api, cid)["status"] == "in_arbitration"
    assert events(settings, cid)[-2:] == ["extension.lapsed", "sla.information_timeout"]
    states = [(r["kind"], r["state"]) for r in rows(settings, CLOCKS, cid)]
    assert states[-2:] == [("platform_arbitration", "open"), ("information_answer", "fired")]
