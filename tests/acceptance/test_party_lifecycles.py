"""Every lifecycle path of docs/contracts.md (section 1) driven through real dramatiq workers
and the relay: complaints and actions arrive as queue messages, as they would from upstream
systems."""

from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest
from dramatiq import Message
from psycopg.rows import dict_row

from pipeline.adapters.s3 import make_s3_client
from pipeline.processes import Fleet
from pipeline.settings import Settings
from tests.factories import JPEG, complaint_payload, sha
from tests.inline import action
from workers.broker import build_broker

pytestmark = pytest.mark.acceptance

FULL = 12900
Step = tuple[str, dict[str, Any], str]  # action, fields, status expected afterwards

SCENARIOS: dict[str, list[Step]] = {
    "accept": [
        (
            "merchant.accept",
            {"remedy": {"type": "refund", "amount_cents": FULL}},
            "merchant_proposed",
        ),
        ("buyer.accept_offer", {}, "remedy_in_progress"),
        ("merchant.remedy_executed", {}, "awaiting_settlement"),
        ("platform.refund_settled", {}, "resolved"),
        ("buyer.confirm", {}, "closed"),
    ],
    "buyer_wins": [
        ("merchant.dispute", {"text": "买家误用"}, "in_arbitration"),
        (
            "platform.decide",
            {"outcome": {"decision": "buyer_wins", "amount_cents": FULL}, "rule": "r-1"},
            "remedy_in_progress",
        ),
        ("merchant.remedy_executed", {}, "awaiting_settlement"),
        ("platform.refund_settled", {}, "resolved"),
    ],
    "partial": [
        ("merchant.dispute", {"text": "partly used"}, "in_arbitration"),
        (
            "platform.decide",
            {"outcome": {"decision": "partial", "amount_cents": 4000}, "rule": "r-2"},
            "remedy_in_progress",
        ),
        ("merchant.remedy_executed", {}, "awaiting_settlement"),
        ("platform.refund_settled", {}, "resolved"),
    ],
    "appeal": [
        ("merchant.dispute", {"text": "no defect"}, "in_arbitration"),
        ("platform.decide", {"outcome": {"decision": "merchant_wins"}, "rule": "r-3"}, "resolved"),
        ("buyer.appeal", {"text": "请复核"}, "in_arbitration"),
        (  # 复核: the appeal is decided by another staff member than the first decision
            "platform.decide",
            {
                "outcome": {"decision": "buyer_wins", "amount_cents": FULL},
                "rule": "r-4",
                "by": "xiaoer_9",
            },
            "remedy_in_progress",
        ),
        ("merchant.remedy_executed", {}, "awaiting_settlement"),
        ("platform.refund_settled", {}, "resolved"),
    ],
    "counter_offer": [
        (
            "merchant.accept",
            {"remedy": {"type": "refund", "amount_cents": 5000}},
            "merchant_proposed",
        ),
        (
            "buyer.counter_offer",
            {"remedy": {"type": "refund", "amount_cents": 9000}},
            "buyer_countered",
        ),
        ("merchant.accept_counter", {}, "remedy_in_progress"),
        ("merchant.remedy_executed", {}, "awaiting_settlement"),
        ("platform.refund_settled", {}, "resolved"),
    ],
    "return": [
        ("merchant.accept", {"remedy": {"type": "exchange"}}, "merchant_proposed"),
        ("buyer.accept_offer", {}, "awaiting_return"),
        (
            "buyer.ship_return",
            {"shipment": {"carrier": "SF", "tracking_number": "SF0001"}},
            "return_in_transit",
        ),
        ("merchant.confirm_receipt", {}, "remedy_in_progress"),
        ("merchant.remedy_executed", {}, "resolved"),
    ],
    "merchant_appeal": [
        ("merchant.dispute", {"text": "no defect"}, "in_arbitration"),
        (
            "platform.request_information",
            {"party": "buyer", "text": "视频?"},
            "awaiting_information",
        ),
        ("buyer.provide_information", {"text": "已上传"}, "in_arbitration"),
        ("platform.decide", {"outcome": {"decision": "merchant_wins"}, "rule": "r-6"}, "resolved"),
        ("merchant.appeal", {"text": "复核"}, "in_arbitration"),
    ],
    "reject_offer": [
        ("merchant.accept", {"remedy": {"type": "exchange"}}, "merchant_proposed"),
        ("buyer.reject_offer", {"text": "要退款"}, "in_arbitration"),
    ],
    "withdraw": [("buyer.withdraw", {}, "withdrawn")],
    "suspend": [
        ("platform.suspend", {"text": "offline"}, "suspended"),
        ("platform.resume", {}, "awaiting_merchant"),
        ("merchant.accept", {"remedy": {"type": "repair"}}, "in_arbitration"),
    ],
    "followup": [
        ("merchant.dispute", {"text": "no defect"}, "in_arbitration"),
        ("platform.decide", {"outcome": {"decision": "merchant_wins"}, "rule": "r-5"}, "resolved"),
        ("buyer.confirm", {}, "closed"),
        ("buyer.file_followup", {}, "closed"),
    ],
}
ACTORS = {"merchant": "m_552", "platform": "xiaoer_7"}


def wait_for(settings: Settings, expected: dict[str, str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    with psycopg.connect(settings.database_url, autocommit=True, row_factory=dict_row) as conn:
        while True:
            rows = conn.execute("SELECT external_id, status::text FROM complaints").fetchall()
            now = {r["external_id"]: r["status"] for r in rows}
            if all(now.get(ext) == status for ext, status in expected.items()):
                return
            assert time.monotonic() < deadline, f"expected {expected}, have {now}"
            time.sleep(0.1)


def test_every_lifecycle_path_through_real_workers(settings: Settings, fleet: Fleet) -> None:
    s3 = make_s3_client(settings)
    broker = build_broker(settings)
    payloads = {}
    for name in SCENARIOS:
        buyer = f"b_{name}"
        s3.put_object(Bucket=settings.s3_bucket, Key=f"evidence/{buyer}/9f2c.jpg", Body=JPEG)
        p = complaint_payload(external_id=f"c-{name}", buyer_id=buyer, order__order_id=f"o-{name}")
        p["evidence"][0]["key"] = f"evidence/{buyer}/9f2c.jpg"
        payloads[name] = p
    new = JPEG + b"new"
    s3.put_object(Bucket=settings.s3_bucket, Key="evidence/b_followup/new.jpg", Body=new)

    fleet.start_workers()
    fleet.start_relay()
    for p in payloads.values():
        broker.enqueue(
            Message(queue_name="intake", actor_name="intake", args=(p,), kwargs={}, options={})
        )
    wait_for(settings, {p["external_id"]: "awaiting_merchant" for p in payloads.values()})
    with psycopg.connect(settings.database_url) as conn:
        ids = dict(conn.execute("SELECT external_id, id::text FROM complaints").fetchall())

    for step in range(max(len(s) for s in SCENARIOS.values())):
        expected = {}
        for name, steps in SCENARIOS.items():
            if step >= len(steps):
                continue
            act_name, fields, status = steps[step]
            role = act_name.split(".")[0]
            fields = dict(fields)
            actor = fields.pop("by", f"b_{name}" if role == "buyer" else ACTORS[role])
            if act_name == "buyer.file_followup":
                followup = complaint_payload(
                    external_id="c-followup-2", buyer_id="b_followup", order__order_id="o-followup"
                )
                followup["evidence"][0] |= {
                    "key": "evidence/b_followup/new.jpg",
                    "size": len(new),
                    "sha256": sha(new),
                }
                fields = {"complaint": followup}
                expected["c-followup-2"] = "awaiting_merchant"
            payload = action(ids[f"c-{name}"], act_name, actor, **fields)
            for _ in range(2):  # every action delivered twice: the second must change nothing
                broker.enqueue(
                    Message(
                        queue_name="actions",
                        actor_name="act",
                        args=(payload,),
                        kwargs={},
                        options={},
                    )
                )
            expected[f"c-{name}"] = status
        wait_for(settings, expected)

    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        refused = conn.execute("SELECT errors FROM ingest_quarantine").fetchall()
        appeal = conn.execute(
            "SELECT escalation_level, outcome FROM complaints WHERE external_id = 'c-appeal'"
        ).fetchone()
        child = conn.execute(
            "SELECT parent_id::text FROM complaints WHERE external_id = 'c-followup-2'"
        ).fetchone()
        dup_events = conn.execute(
            "SELECT complaint_id, event, count(*) FROM complaint_events"
            " WHERE event NOT LIKE 'platform.decide%%'"
            " GROUP BY 1, 2 HAVING count(*) > 1"
        ).fetchall()
    assert refused == []
    assert appeal is not None and appeal["escalation_level"] == 1
    assert appeal["outcome"]["decision"] == "buyer_wins" and appeal["outcome"]["level"] == 1
    assert child is not None and child["parent_id"] == ids["c-followup"]
    assert dup_events == []
    broker.close()


def test_worker_metrics_count_committed_transitions(settings: Settings, fleet: Fleet) -> None:
    import httpx

    from tests.acceptance.conftest import METRICS_PORT

    s3 = make_s3_client(settings)
    s3.put_object(Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG)
    broker = build_broker(settings)
    fleet.start_workers()
    fleet.start_relay()
    bad = complaint_payload(external_id="bad", claimed_amount_cents=-1)
    for i in range(5):
        p = complaint_payload(external_id=f"m-{i}", order__order_id=f"o-m{i}")
        for _ in range(2):  # duplicates must not count twice
            broker.enqueue(
                Message(queue_name="intake", actor_name="intake", args=(p,), kwargs={}, options={})
            )
    broker.enqueue(
        Message(queue_name="intake", actor_name="intake", args=(bad,), kwargs={}, options={})
    )
    wait_for(settings, {f"m-{i}": "awaiting_merchant" for i in range(5)})
    # The stage latency is observed after the actor returns, a moment after the commit
    # that counts the transition: the scrape waits for every expected line.
    expected = [
        'complaints_transitions_total{from_status="in_review",to_status="awaiting_merchant"} 5.0',
        'complaints_transitions_total{from_status="received",to_status="in_review"} 5.0',
        'complaints_evidence_verdicts_total{verdict="ok"} 5.0',
        'complaints_quarantined_total{via="queue"} 1.0',
        'complaints_stage_latency_seconds_count{stage="dispatch"} 5.0',
        'dramatiq_messages_total{actor_name="intake",queue_name="intake"}',
    ]
    deadline = time.monotonic() + 30
    text = ""
    while True:
        try:  # the exposition server may come up a moment after the workers
            text = httpx.get(f"http://127.0.0.1:{METRICS_PORT}/metrics", timeout=10).text
        except httpx.ConnectError:
            pass
        if all(line in text for line in expected) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    for line in expected:
        assert line in text, (line, text[-3000:])
    broker.close()
