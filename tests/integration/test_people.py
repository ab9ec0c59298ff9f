"""People acting as themselves with party tokens, on a real gateway: buyers and merchants see
and act on their own complaints only, the actor is the signed-in person, staff grants decide
platform actions, an appeal goes to other staff, and large decisions need two people."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from pipeline.settings import Settings
from tests.api_server import as_party, problem_code, serving
from tests.inline import action, forwarded_complaint

pytestmark = pytest.mark.integration

INGEST = {"Authorization": "Bearer ingest-token-0123456789"}
BUYER = as_party("buyer", "b_10293")
OTHER_BUYER = as_party("buyer", "b_other")
MERCHANT = as_party("merchant", "m_552")
OTHER_MERCHANT = as_party("merchant", "m_other")
ARBITER_A = as_party("staff", "s_a", "arbitrate")
ARBITER_B = as_party("staff", "s_b", "arbitrate")
REVIEWER = as_party("staff", "s_r", "review")


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with serving(settings, four_eyes_amount_cents=10_000) as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client


@pytest.fixture
def forwarded(settings: Settings) -> str:
    return forwarded_complaint(settings)


def act(
    api: httpx.Client, cid: str, who: dict[str, str], name: str, **fields: Any
) -> httpx.Response:
    body = action(cid, name, "ignored", **fields)
    del body["actor"]  # a party token names the actor
    return api.post(f"/v1/complaints/{cid}/actions", json=body, headers=who)


def state(settings: Settings, cid: str) -> tuple[str, list[str]]:
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute("SELECT status::text FROM complaints WHERE id = %s", (cid,)).fetchone()
        events = conn.execute(
            "SELECT event FROM complaint_events WHERE complaint_id = %s ORDER BY seq", (cid,)
        ).fetchall()
    assert row is not None
    return row[0], [e[0] for e in events]


def test_parties_see_and_act_on_their_own_complaints_only(
    api: httpx.Client, settings: Settings, forwarded: str
) -> None:
    assert api.get(f"/v1/complaints/{forwarded}", headers=BUYER).status_code == 200
    assert api.get(f"/v1/complaints/{forwarded}", headers=MERCHANT).status_code == 200
    before = state(settings, forwarded)
    for stranger in (OTHER_BUYER, OTHER_MERCHANT):
        for path in ("", "/events"):
            r = api.get(f"/v1/complaints/{forwarded}{path}", headers=stranger)
            assert r.status_code == 404 and problem_code(r) == "not_found", path
    assert act(api, forwarded, OTHER_BUYER, "buyer.withdraw").status_code == 404
    assert act(api, forwarded, OTHER_MERCHANT, "merchant.message", text="hello").status_code == 404
    assert state(settings, forwarded) == before


def test_the_actor_is_the_signed_in_person(
    api: httpx.Client, settings: Settings, forwarded: str
) -> None:
    impostor = action(forwarded, "buyer.withdraw", "b_other")
    r = api.post(f"/v1/complaints/{forwarded}/actions", json=impostor, headers=BUYER)
    assert r.status_code == 403 and problem_code(r) == "actor_not_caller"
    as_merchant = action(forwarded, "merchant.message", "m_552", text="hello")
    r = api.post(f"/v1/complaints/{forwarded}/actions", json=as_merchant, headers=BUYER)
    assert r.status_code == 403 and problem_code(r) == "actor_not_caller"
    assert state(settings, forwarded)[0] == "awaiting_merchant"
    said = act(api, forwarded, MERCHANT, "merchant.message", text="we will look into it")
    assert said.status_code == 200 and said.json()["outcome"] == "applied"
    with psycopg.connect(settings.database_url) as conn:
        who = conn.execute(
            "SELECT actor_role::text, actor_id FROM complaint_events"
            " WHERE complaint_id = %s AND event = 'merchant.message'",
            (forwarded,),
        ).fetchone()
    assert who == ("merchant", "m_552")


def test_uploads_go_under_the_callers_own_prefix(api: httpx.Client) -> None:
    upload = {
        "filename": "photo.jpg",
        "kind": "photo",
        "content_type": "image/jpeg",
        "size": 1000,
        "sha256": "0" * 64,
    }
    mine = api.post("/v1/evidence/uploads", json=upload, headers=BUYER)
    assert mine.status_code == 200 and mine.json()["key"].startswith("evidence/b_10293/")
    theirs = {**upload, "submitter": {"role": "buyer", "id": "b_other"}}
    r = api.post("/v1/evidence/uploads", json=theirs, headers=BUYER)
    assert r.status_code == 403 and problem_code(r) == "actor_not_caller"
    r = api.post("/v1/evidence/uploads", json=upload, headers=ARBITER_A)
    assert r.status_code == 403


def _to_arbitration(api: httpx.Client, cid: str) -> None:
    r = act(api, cid, MERCHANT, "merchant.dispute", text="not our fault", evidence=[])
    assert r.status_code == 200 and r.json()["status"] == "in_arbitration", r.text


def test_staff_grants_decide_platform_actions(
    api: httpx.Client, settings: Settings, forwarded: str
) -> None:
    _to_arbitration(api, forwarded)
    decision = {"outcome": {"decision": "partial", "amount_cents": 5000}, "rule": "rule-7.2"}
    r = act(api, forwarded, REVIEWER, "platform.decide", **decision)
    assert r.status_code == 403 and problem_code(r) == "grant_required"
    assert "arbitrate" in r.json()["detail"]
    r = act(api, forwarded, ARBITER_A, "platform.decide", **decision)
    assert r.status_code == 200 and r.json()["status"] == "remedy_in_progress"


def test_a_large_decision_needs_a_second_staff_member(
    api: httpx.Client, settings: Settings, forwarded: str
) -> None:
    _to_arbitration(api, forwarded)
    decision = {"outcome": {"decision": "buyer_wins", "amount_cents": 12_900}, "rule": "rule-3"}
    proposed = act(api, forwarded, ARBITER_A, "platform.decide", **decision)
    assert proposed.status_code == 200 and proposed.json()["status"] == "in_arbitration"
    assert state(settings, forwarded)[1][-1] == "platform.decision_proposed"
    own = act(api, forwarded, ARBITER_A, "platform.approve_decision")
    assert own.status_code == 403 and problem_code(own) == "four_eyes"
    approved = act(api, forwarded, ARBITER_B, "platform.approve_decision")
    assert approved.status_code == 200 and approved.json()["status"] == "remedy_in_progress"
    status, events = state(settings, forwarded)
    assert events[-1] == "platform.approve_decision"
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute("SELECT outcome FROM complaints WHERE id = %s", (forwarded,)).fetchone()
    assert row is not None
    assert row[0]["proposed_by"] == "s_a" and row[0]["approved_by"] == "s_b"
    assert row[0]["amount_cents"] == 12_900
    none_left = act(api, forwarded, ARBITER_B, "platform.approve_decision")
    assert none_left.status_code == 409


def test_an_appeal_is_decided_by_other_staff(
    api: httpx.Client, settings: Settings, forwarded: str
) -> None:
    _to_arbitration(api, forwarded)
    decision = {"outcome": {"decision": "partial", "amount_cents": 3000}, "rule": "rule-7.2"}
    assert act(api, forwarded, ARBITER_A, "platform.decide", **decision).status_code == 200
    executed = act(api, forwarded, MERCHANT, "merchant.remedy_executed")
    assert executed.json()["status"] == "awaiting_settlement"
    settled = act(api, forwarded, ARBITER_A, "platform.refund_settled")
    assert settled.json()["status"] == "resolved"
    appealed = act(api, forwarded, BUYER, "buyer.appeal", text="3000 is not enough")
    assert appealed.json()["status"] == "in_arbitration"
    again = {"outcome": {"decision": "partial", "amount_cents": 6000}, "rule": "rule-7.3"}
    same = act(api, forwarded, ARBITER_A, "platform.decide", **again)
    assert same.status_code == 403 and problem_code(same) == "appeal_needs_other_staff"
    assert state(settings, forwarded)[0] == "in_arbitration"
    other = act(api, forwarded, ARBITER_B, "platform.decide", **again)
    assert other.status_code == 200 and other.json()["status"] == "remedy_in_progress"


def test_a_claimed_complaint_is_decided_by_its_holder_only(
    api: httpx.Client, settings: Settings, forwarded: str
) -> None:
    _to_arbitration(api, forwarded)
    assert api.post(f"/v1/complaints/{forwarded}/claim", headers=ARBITER_A).status_code == 200
    decision = {"outcome": {"decision": "partial", "amount_cents": 3000}, "rule": "rule-7.2"}
    other = act(api, forwarded, ARBITER_B, "platform.decide", **decision)
    assert other.status_code == 409 and problem_code(other) == "claimed_by_another"
    assert state(settings, forwarded)[0] == "in_arbitration"
    holder = act(api, forwarded, ARBITER_A, "platform.decide", **decision)
    assert holder.status_code == 200 and holder.json()["status"] == "remedy_in_progress"
