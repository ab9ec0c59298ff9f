"""Cases (批量投诉) over the HTTP API: complaints against one merchant about one product in
one category are linked to one case as they arrive, past the category's threshold; staff
are told once; one staff decision gives every open complaint of the case its own event,
exactly once, however often it is retried or redelivered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from pipeline.adapters.s3 import make_s3_client
from pipeline.domain.stages import group_sizes
from pipeline.settings import Settings
from tests.api_server import as_party, problem_code
from tests.factories import JPEG, complaint_payload
from tests.inline import drain_outbox, one, stage
from tests.parties import (
    ARBITER,
    BUYER,
    INGEST,
    MERCHANT,
    OTHER_ARBITER,
    act,
    gateway,
    ok,
    rows,
    view,
)
from workers.broker import broker
from workers.coalesce import messages_for

pytestmark = pytest.mark.integration

BUYER_WINS = {"decision": "buyer_wins", "amount_cents": 12900}
FOUR_EYES = 100_000  # over 12,900 a complaint, a case of 8 complaints (103,200) needs two


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with gateway(settings, four_eyes_amount_cents=FOUR_EYES) as client:
        yield client


def payload(settings: Settings, n: int, **fields: Any) -> dict[str, Any]:
    """A complaint of its own buyer (each buyer files one: no manual review)."""
    buyer = f"b_{n}"
    key = f"evidence/{buyer}/9f2c.jpg"
    make_s3_client(settings).put_object(Bucket=settings.s3_bucket, Key=key, Body=JPEG)
    p = complaint_payload(external_id=f"c-{n}", buyer_id=buyer, order__order_id=f"o-{n}", **fields)
    p["evidence"][0]["key"] = key
    return p


def submit(api: httpx.Client, settings: Settings, *items: dict[str, Any]) -> list[str]:
    r = api.post("/v1/complaints/batch", json={"items": list(items)}, headers=INGEST)
    assert r.status_code == 200, r.text
    drain_outbox(settings)
    return [str(x["id"]) for x in r.json()["results"]]


def case_of(api: httpx.Client, cid: str) -> str | None:
    return view(api, cid, ARBITER)["case_id"]  # type: ignore[no-any-return]


def told(settings: Settings) -> list[dict[str, Any]]:
    return rows(
        settings,
        "SELECT recipient_role::text AS role FROM notifications"
        " WHERE kind = 'platform.case_opened'",
    )


def test_complaints_past_the_threshold_form_one_case(api: httpx.Client, settings: Settings) -> None:
    first = submit(api, settings, *(payload(settings, n) for n in range(4)))
    other_sku = submit(api, settings, payload(settings, 50, order__sku="sku-other"))
    other_merchant = submit(api, settings, payload(settings, 51, merchant_id="m_other"))
    assert {case_of(api, c) for c in first + other_sku + other_merchant} == {None}
    fifth = submit(api, settings, payload(settings, 4))
    case_id = case_of(api, fifth[0])
    assert case_id is not None
    assert {case_of(api, c) for c in first} == {case_id}
    assert told(settings) == [{"role": "platform"}]
    sixth = submit(api, settings, payload(settings, 5))
    assert case_of(api, sixth[0]) == case_id
    assert told(settings) == [{"role": "platform"}]  # told once
    case = ok(api.get(f"/v1/cases/{case_id}", headers=ARBITER))
    assert [c["id"] for c in case["complaints"]][-1] == sixth[0]
    assert sorted(c["id"] for c in case["complaints"]) == sorted(first + fifth + sixth)
    assert (case["product_key"], case["category"]) == ("sku:sku-7-red", "product_quality")
    assert {case_of(api, c) for c in other_sku + other_merchant} == {None}
    listed = ok(api.get("/v1/complaints", params={"case_id": case_id}, headers=ARBITER))
    assert sorted(i["id"] for i in listed["items"]) == sorted(first + fifth + sixth)
    r = api.get(f"/v1/cases/{case_id}", headers=MERCHANT)
    assert r.status_code == 404 and problem_code(r) == "not_found"


def test_a_burst_on_one_sku_forms_one_case(api: httpx.Client, settings: Settings) -> None:
    ids = submit(api, settings, *(payload(settings, n) for n in range(40)))
    cases = rows(settings, "SELECT id FROM cases")
    assert len(cases) == 1
    linked = rows(settings, "SELECT DISTINCT case_id FROM complaints WHERE id = ANY(%s)", ids)
    assert linked == [{"case_id": cases[0]["id"]}]
    assert told(settings) == [{"role": "platform"}]


def test_one_decision_for_the_case_once_each(api: httpx.Client, settings: Settings) -> None:
    ids = submit(api, settings, *(payload(settings, n) for n in range(6)))
    case_id = case_of(api, ids[0])
    withdrawn, offered = ids[0], ids[1]
    r = act(api, settings, withdrawn, _buyer(0), "buyer.withdraw")
    assert r.status_code == 200, r.text
    ok(act(api, settings, offered, MERCHANT, "merchant.accept", remedy={"type": "repair"}))
    body = {"idempotency_key": "case-d-1", "outcome": BUYER_WINS, "rule": "batch-1"}
    r = api.post(f"/v1/cases/{case_id}/decisions", json=body, headers=ARBITER)
    decided = ok(r)
    assert (decided["outcome"], decided["sent_to"]) == ("applied", 6)
    drain_outbox(settings)
    again = ok(api.post(f"/v1/cases/{case_id}/decisions", json=body, headers=ARBITER))
    assert (again["outcome"], again["decision_id"]) == ("replayed", decided["decision_id"])
    # Redelivered fan-out messages (a worker killed before its ack): nothing new.
    for cid in ids:
        one("case_decide", complaint_id=cid, case_decision_id=decided["decision_id"])
    drain_outbox(settings)
    events = rows(
        settings,
        "SELECT complaint_id::text AS id, count(*) AS n FROM complaint_events"
        " WHERE event = 'platform.case_decide' GROUP BY 1",
    )
    assert {e["id"]: e["n"] for e in events} == dict.fromkeys(ids[1:], 1)
    assert view(api, withdrawn, ARBITER)["status"] == "withdrawn"
    for cid in ids[1:]:
        v = view(api, cid, ARBITER)
        assert v["status"] == "remedy_in_progress"
        assert (v["outcome"]["case_id"], v["outcome"]["rule"]) == (case_id, "batch-1")


def test_a_case_decision_over_four_eyes_in_total_waits_for_other_staff(
    api: httpx.Client, settings: Settings
) -> None:
    """Each complaint's 12,900 is under the four-eyes amount; the case's total is over it:
    the decision is proposed, sent to no complaint until someone other than its proposer
    approves it, then sent to each complaint once."""
    ids = submit(api, settings, *(payload(settings, n) for n in range(8)))
    case_id = case_of(api, ids[0])
    body = {"idempotency_key": "big-1", "outcome": BUYER_WINS, "rule": "batch-1"}
    decisions = f"/v1/cases/{case_id}/decisions"
    proposed = ok(api.post(decisions, json=body, headers=ARBITER))
    assert (proposed["outcome"], proposed["status"], proposed["sent_to"]) == ("proposed",) * 2 + (
        0,
    )
    assert proposed["total_cents"] == 8 * 12900 > FOUR_EYES
    again = ok(api.post(decisions, json=body, headers=ARBITER))
    assert (again["outcome"], again["status"]) == ("replayed", "proposed")
    drain_outbox(settings)
    assert {view(api, c, ARBITER)["status"] for c in ids} == {"awaiting_merchant"}
    approve = f"{decisions}/{proposed['decision_id']}/approve"
    own = api.post(approve, headers=ARBITER)
    assert own.status_code == 403 and problem_code(own) == "four_eyes"
    reviewer = api.post(approve, headers=as_party("staff", "s_r", "review"))
    assert reviewer.status_code == 403 and problem_code(reviewer) == "grant_required"
    assert api.post(f"{decisions}/999999/approve", headers=OTHER_ARBITER).status_code == 404
    approved = ok(api.post(approve, headers=OTHER_ARBITER))
    assert (approved["outcome"], approved["status"], approved["sent_to"]) == ("applied",) * 2 + (8,)
    drain_outbox(settings)
    replayed = ok(api.post(approve, headers=OTHER_ARBITER))
    assert (replayed["outcome"], replayed["sent_to"]) == ("replayed", 0)
    third = api.post(approve, headers=as_party("staff", "s_c", "arbitrate"))
    assert third.status_code == 409 and problem_code(third) == "no_pending_decision"
    drain_outbox(settings)
    events = rows(
        settings,
        "SELECT complaint_id::text AS id, count(*) AS n, min(actor_id) AS actor"
        " FROM complaint_events WHERE event = 'platform.case_decide' GROUP BY 1",
    )
    assert {e["id"]: (e["n"], e["actor"]) for e in events} == dict.fromkeys(ids, (1, "s_b"))
    outcome = view(api, ids[0], ARBITER)["outcome"]
    assert (outcome["proposed_by"], outcome["approved_by"]) == ("s_a", "s_b")
    (decision,) = ok(api.get(f"/v1/cases/{case_id}", headers=ARBITER))["decisions"]
    assert (decision["status"], decision["approved_by"]) == ("applied", "s_b")


def test_an_appeal_of_a_case_decision_goes_to_other_staff(
    api: httpx.Client, settings: Settings
) -> None:
    """A case decision is a platform decision like any other: the merchant may appeal it,
    and whoever decided it (here the proposer and the approver) may not decide the appeal."""
    ids = submit(api, settings, *(payload(settings, n) for n in range(5)))
    case_id = case_of(api, ids[0])
    body = {"idempotency_key": "mw", "outcome": {"decision": "merchant_wins"}, "rule": "b-2"}
    ok(api.post(f"/v1/cases/{case_id}/decisions", json=body, headers=ARBITER))
    drain_outbox(settings)
    buyer_side, merchant_side = ids[0], ids[1]
    assert view(api, buyer_side, ARBITER)["status"] == "resolved"
    ok(act(api, settings, buyer_side, _buyer(0), "buyer.appeal", text="请复核"))
    again = {"outcome": BUYER_WINS, "rule": "r-2"}
    r = act(api, settings, buyer_side, ARBITER, "platform.decide", **again)
    assert r.status_code == 403 and problem_code(r) == "appeal_needs_other_staff"
    assert ok(act(api, settings, buyer_side, OTHER_ARBITER, "platform.decide", **again))
    r = act(api, settings, merchant_side, MERCHANT, "merchant.appeal", text="复核")
    assert ok(r)["status"] == "in_arbitration"


def test_a_case_decision_within_every_order(api: httpx.Client, settings: Settings) -> None:
    """The amount is per complaint: above the order of a complaint it would reach, the
    decision is refused, naming the rule, and nothing is recorded or sent."""
    small = {"order__amount_cents": 5000, "claimed_amount_cents": 5000}
    ids = submit(
        api, settings, *(payload(settings, n) for n in range(4)), payload(settings, 4, **small)
    )
    case_id = case_of(api, ids[0])
    body = {"idempotency_key": "k", "outcome": BUYER_WINS, "rule": "r"}
    r = api.post(f"/v1/cases/{case_id}/decisions", json=body, headers=ARBITER)
    assert r.status_code == 409 and problem_code(r) == "amount_exceeds_order", r.text
    assert ok(api.get(f"/v1/cases/{case_id}", headers=ARBITER))["decisions"] == []
    within = {**body, "outcome": {"decision": "buyer_wins", "amount_cents": 5000}}
    assert (
        ok(api.post(f"/v1/cases/{case_id}/decisions", json=within, headers=ARBITER))["sent_to"] == 5
    )


def test_case_decisions_need_staff_who_arbitrate(api: httpx.Client, settings: Settings) -> None:
    ids = submit(api, settings, *(payload(settings, n) for n in range(5)))
    case_id = case_of(api, ids[0])
    body = {"idempotency_key": "k", "outcome": BUYER_WINS, "rule": "r"}
    reviewer = as_party("staff", "s_r", "review")
    r = api.post(f"/v1/cases/{case_id}/decisions", json=body, headers=reviewer)
    assert r.status_code == 403 and problem_code(r) == "grant_required"
    r = api.post(f"/v1/cases/{case_id}/decisions", json=body, headers=BUYER)
    assert r.status_code == 404


def _buyer(n: int) -> dict[str, str]:
    return as_party("buyer", f"b_{n}")


def _held_dispatch(settings: Settings) -> list[list[Any]]:
    """Run every stage up to dispatch (as drain_outbox does) and hold dispatch's messages
    back: their (message id, payload), in order."""
    held: list[list[Any]] = []
    with psycopg.connect(settings.database_url, autocommit=True, row_factory=dict_row) as conn:
        while rows_ := conn.execute(
            "DELETE FROM outbox RETURNING id, message_id, queue_name, actor_name, payload"
        ).fetchall():
            ordered = sorted(rows_, key=lambda r: r["id"])
            held += [
                [str(r["message_id"]), r["payload"]]
                for r in ordered
                if r["actor_name"] == "dispatch"
            ]
            others = [r for r in ordered if r["actor_name"] != "dispatch"]
            for message in messages_for(others, group_sizes(settings.stage_group_size)):
                broker.get_actor(message.actor_name).fn(**message.kwargs)
    return held


def _dispatch_statements(monkeypatch: pytest.MonkeyPatch, messages: list[list[Any]]) -> int:
    sent = [0]
    execute = psycopg.Connection.execute

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        sent[0] += 1
        return execute(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(psycopg.Connection, "execute", counting)
        stage("dispatch").fn(messages)
    return sent[0]


def test_a_dispatch_group_counts_cases_with_the_same_statements_whatever_its_size(
    api: httpx.Client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Set-based: a dispatch group of many complaints (of many products) is forwarded and
    counted with the same statements as a group of one; a message twice in a group, or
    redelivered, changes nothing (no second step, the tallies as they were)."""
    items = [
        payload(settings, 0),
        *(payload(settings, n, order__sku=f"sku-{n % 3}") for n in range(1, 9)),
        payload(settings, 9, order__sku=None),  # the item, when there is no SKU
    ]
    r = api.post("/v1/complaints/batch", json={"items": items}, headers=INGEST)
    assert r.status_code == 200, r.text
    held = _held_dispatch(settings)
    assert len(held) == 10
    one, many = held[:1] * 2, held[1:]  # the one twice in its group: forwarded once
    assert _dispatch_statements(monkeypatch, one) == _dispatch_statements(monkeypatch, many)
    drain_outbox(settings)
    before = rows(settings, "SELECT * FROM case_tallies ORDER BY product_key")
    keys = ["item:i_7", "sku:sku-0", "sku:sku-1", "sku:sku-2", "sku:sku-7-red"]
    assert [t["product_key"] for t in before] == keys
    assert sum(len(t["complaint_ids"]) for t in before) == 10
    stage("dispatch").fn(held)
    drain_outbox(settings)
    assert rows(settings, "SELECT * FROM case_tallies ORDER BY product_key") == before
    (dispatched,) = rows(
        settings, "SELECT count(*) AS n FROM complaint_events WHERE event = 'merchant.dispatched'"
    )
    assert dispatched["n"] == 10
