"""Party actions against real PostgreSQL and SeaweedFS: every lifecycle path, refusals that
change nothing, idempotent replays, the complaint view and the merchant scorecard."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from pipeline.adapters.s3 import make_s3_client
from pipeline.settings import Settings
from pipeline.views import complaint_view, merchant_scorecard, timeline
from tests.factories import CHAT, JPEG, complaint_payload, sha
from tests.inline import act, action, drain_outbox, status_of
from workers import actors
from workers.runtime import bound

pytestmark = pytest.mark.integration

BUYER, MERCHANT, ORDER_AMOUNT = "b_10293", "m_552", 12900


@pytest.fixture
def rt(settings: Settings) -> Iterator[Settings]:
    s3 = make_s3_client(settings)
    s3.put_object(Bucket=settings.s3_bucket, Key=f"evidence/{BUYER}/9f2c.jpg", Body=JPEG)
    s3.put_object(Bucket=settings.s3_bucket, Key=f"evidence/{BUYER}/new.jpg", Body=JPEG + b"2")
    s3.put_object(Bucket=settings.s3_bucket, Key=f"evidence/{MERCHANT}/chat.txt", Body=CHAT)
    with bound(settings):
        yield settings


Factory = Callable[..., str]


@pytest.fixture
def new_complaint(rt: Settings) -> Factory:
    counter = iter(range(10_000))

    def make(**overrides: Any) -> str:
        n = next(counter)
        payload = complaint_payload(
            external_id=f"c-{n}", **{"order__order_id": f"o-{n}"}, **overrides
        )
        actors.intake.fn(payload)
        drain_outbox(rt)
        with psycopg.connect(rt.database_url) as conn:
            row = conn.execute(
                "SELECT id FROM complaints WHERE external_id = %s", (payload["external_id"],)
            ).fetchone()
        assert row is not None
        return str(row[0])

    return make


def snapshot(settings: Settings, cid: str) -> tuple[Any, ...]:
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        return tuple(
            conn.execute(sql, (cid,)).fetchall()
            for sql in (
                "SELECT * FROM complaints WHERE id = %s",
                "SELECT * FROM complaint_events WHERE complaint_id = %s ORDER BY seq",
                "SELECT * FROM notifications WHERE complaint_id = %s ORDER BY id",
                "SELECT * FROM deadlines WHERE complaint_id = %s ORDER BY id",
            )
        )


def refusals(settings: Settings) -> list[dict[str, Any]]:
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        rows = conn.execute("SELECT errors FROM ingest_quarantine ORDER BY id").fetchall()
    return [r["errors"][0] for r in rows]


def full_refund(cid: str) -> dict[str, Any]:
    return action(
        cid, "merchant.accept", MERCHANT, remedy={"type": "refund", "amount_cents": ORDER_AMOUNT}
    )


def test_accept_offer_execute_confirm(rt: Settings, new_complaint: Factory) -> None:
    cid = new_complaint()
    assert status_of(rt, cid)["status"] == "awaiting_merchant"
    act(rt, full_refund(cid))
    assert status_of(rt, cid)["status"] == "merchant_proposed"
    act(rt, action(cid, "buyer.accept_offer", BUYER))
    assert status_of(rt, cid)["status"] == "remedy_in_progress"
    act(rt, action(cid, "merchant.remedy_executed", MERCHANT))
    assert status_of(rt, cid)["status"] == "awaiting_settlement"  # the payments port's turn
    act(rt, action(cid, "platform.refund_settled", "payments"))
    assert status_of(rt, cid)["status"] == "resolved"
    act(rt, action(cid, "buyer.confirm", BUYER))
    row = status_of(rt, cid)
    assert row["status"] == "closed" and row["outcome"]["decision"] == "agreed"
    with psycopg.connect(rt.database_url) as conn:
        events = [e["event"] for e in timeline(conn, cid)]
    assert events[-6:] == [
        "merchant.accept",
        "platform.remedy_approved",
        "buyer.accept_offer",
        "refund.instructed",
        "refund.settled",
        "buyer.confirm",
    ]


@pytest.mark.parametrize(
    ("outcome", "final"),
    [
        ({"decision": "buyer_wins", "amount_cents": ORDER_AMOUNT}, "remedy_in_progress"),
        ({"decision": "partial", "amount_cents": 5000}, "remedy_in_progress"),
        ({"decision": "merchant_wins"}, "resolved"),
    ],
)
def test_dispute_then_each_arbitration_outcome(
    rt: Settings, new_complaint: Factory, outcome: dict[str, Any], final: str
) -> None:
    cid = new_complaint()
    evidence = [
        {
            "key": f"evidence/{MERCHANT}/chat.txt",
            "kind": "chat_log",
            "content_type": "text/plain",
            "size": len(CHAT),
            "sha256": sha(CHAT),
        },
        {
            "key": f"evidence/{BUYER}/9f2c.jpg",
            "kind": "photo",
            "content_type": "image/jpeg",
            "size": len(JPEG),
            "sha256": sha(JPEG),
        },
    ]
    act(
        rt,
        action(cid, "merchant.dispute", MERCHANT, text="买家使用不当 / misuse", evidence=evidence),
    )
    assert status_of(rt, cid)["status"] == "in_arbitration"
    with psycopg.connect(rt.database_url, row_factory=dict_row) as conn:
        verdicts = conn.execute(
            "SELECT verdict::text FROM evidence_items WHERE submitted_by_role = 'merchant'"
            " ORDER BY position"
        ).fetchall()
    assert [v["verdict"] for v in verdicts] == ["ok", "forbidden_key"]
    act(rt, action(cid, "platform.decide", "xiaoer_1", outcome=outcome, rule="rule-3.2"))
    row = status_of(rt, cid)
    assert row["status"] == final and row["outcome"]["rule"] == "rule-3.2"
    if final == "remedy_in_progress":
        act(rt, action(cid, "merchant.remedy_executed", MERCHANT))
        assert status_of(rt, cid)["status"] == "awaiting_settlement"
        act(rt, action(cid, "platform.refund_settled", "payments"))
        assert status_of(rt, cid)["status"] == "resolved"


def test_refused_remedy_and_rejected_offer_go_to_arbitration(
    rt: Settings, new_complaint: Factory
) -> None:
    cid = new_complaint()
    act(rt, action(cid, "merchant.accept", MERCHANT, remedy={"type": "repair"}))
    assert status_of(rt, cid)["status"] == "in_arbitration"
    with psycopg.connect(rt.database_url) as conn:
        last = timeline(conn, cid)[-1]
    assert last["event"] == "platform.remedy_refused"
    assert last["data"]["rule"] == "quality_defect_full_remedy"

    other = new_complaint()
    act(rt, action(other, "merchant.accept", MERCHANT, remedy={"type": "exchange"}))
    act(rt, action(other, "buyer.reject_offer", BUYER, text="不要换货"))
    assert status_of(rt, other)["status"] == "in_arbitration"


def test_appeal_once_at_a_higher_level(rt: Settings, new_complaint: Factory) -> None:
    cid = new_complaint()
    act(rt, action(cid, "merchant.dispute", MERCHANT, text="no defect"))
    act(
        rt,
        action(
            cid, "platform.decide", "xiaoer_1", outcome={"decision": "merchant_wins"}, rule="r1"
        ),
    )
    act(rt, action(cid, "buyer.appeal", BUYER, text="请复核"))
    row = status_of(rt, cid)
    assert (row["status"], row["escalation_level"]) == ("in_arbitration", 1)
    act(
        rt,
        action(
            cid,
            "platform.decide",
            "xiaoer_2",
            outcome={"decision": "buyer_wins", "amount_cents": 12900},
            rule="r2",
        ),
    )
    act(rt, action(cid, "merchant.remedy_executed", MERCHANT))
    act(rt, action(cid, "platform.refund_settled", "payments"))
    assert status_of(rt, cid)["outcome"]["level"] == 1
    before = snapshot(rt, cid)
    act(rt, action(cid, "buyer.appeal", BUYER))
    assert snapshot(rt, cid) == before
    assert refusals(rt)[-1]["rule"] == "appeal_already_used"


def test_appeal_after_the_window_is_refused(rt: Settings, new_complaint: Factory) -> None:
    cid = new_complaint()
    act(rt, action(cid, "merchant.dispute", MERCHANT, text="no defect"))
    act(rt, action(cid, "platform.decide", "x", outcome={"decision": "merchant_wins"}, rule="r"))
    with psycopg.connect(rt.database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE deadlines SET due_at = now() - interval '1 minute',"
            " warn_at = now() - interval '2 minutes',"
            " started_at = now() - interval '8 days'"
            " WHERE complaint_id = %s AND state = 'open'",
            (cid,),
        )
    before = snapshot(rt, cid)
    act(rt, action(cid, "buyer.appeal", BUYER))
    assert snapshot(rt, cid) == before
    assert refusals(rt)[-1]["rule"] == "appeal_window_closed"


def test_withdraw(rt: Settings, new_complaint: Factory) -> None:
    cid = new_complaint()
    act(rt, action(cid, "buyer.withdraw", BUYER))
    assert status_of(rt, cid)["status"] == "withdrawn"


def test_suspend_pauses_the_clock_and_resume_moves_it(rt: Settings, new_complaint: Factory) -> None:
    cid = new_complaint()
    with psycopg.connect(rt.database_url, row_factory=dict_row) as conn:
        (due_before,) = (
            conn.execute(
                "SELECT due_at FROM deadlines WHERE complaint_id = %s AND state = 'open'", (cid,)
            )
            .fetchone()
            .values()
        )
    act(rt, action(cid, "platform.suspend", "x", text="线下协商 offline negotiation"))
    row = status_of(rt, cid)
    assert (row["status"], row["suspended_from"]) == ("suspended", "awaiting_merchant")
    with psycopg.connect(rt.database_url, autocommit=True) as conn:
        view = complaint_view(conn, cid, datetime.now(UTC))
        assert {(c["kind"], c["paused"]) for c in view["clocks"]} == {
            ("merchant_answer", True),
            ("suspension", False),
        }
        conn.execute(
            "UPDATE deadlines SET paused_at = paused_at - interval '5 hours'"
            " WHERE complaint_id = %s AND state = 'paused'",
            (cid,),
        )
    act(rt, action(cid, "platform.resume", "x"))
    row = status_of(rt, cid)
    assert (row["status"], row["suspended_from"]) == ("awaiting_merchant", None)
    with psycopg.connect(rt.database_url, row_factory=dict_row) as conn:
        live = conn.execute(
            "SELECT kind, due_at FROM deadlines WHERE complaint_id = %s AND state = 'open'", (cid,)
        ).fetchall()
    assert [d["kind"] for d in live] == ["merchant_answer"]
    moved = live[0]["due_at"] - due_before
    assert timedelta(hours=5) <= moved < timedelta(hours=5, minutes=1)


def test_supply_evidence_reruns_validation(rt: Settings, new_complaint: Factory) -> None:
    bad = complaint_payload()["evidence"][0] | {"sha256": sha(b"wrong")}
    cid = new_complaint(evidence=[bad])
    assert status_of(rt, cid)["status"] == "awaiting_evidence"
    good = {
        "key": f"evidence/{BUYER}/new.jpg",
        "kind": "photo",
        "content_type": "image/jpeg",
        "size": len(JPEG) + 1,
        "sha256": sha(JPEG + b"2"),
    }
    act(rt, action(cid, "buyer.supply_evidence", BUYER, evidence=[good]))
    assert status_of(rt, cid)["status"] == "awaiting_merchant"


def test_manual_review_approve_and_reject(rt: Settings, new_complaint: Factory) -> None:
    big = {"order__amount_cents": 900_000, "claimed_amount_cents": 800_000}
    cid = new_complaint(**big)
    assert status_of(rt, cid)["stage"] == "manual_review"
    with psycopg.connect(rt.database_url) as conn:
        assert complaint_view(conn, cid, datetime.now(UTC))["allowed_actions"]["platform"] == [
            "platform.approve_review",
            "platform.reject_review",
        ]
    act(rt, action(cid, "platform.approve_review", "x"))
    assert status_of(rt, cid)["status"] == "awaiting_merchant"
    other = new_complaint(**big)
    act(rt, action(other, "platform.reject_review", "x", reason="window_expired"))
    row = status_of(rt, other)
    assert (row["status"], row["rejection_reason"]) == ("rejected", "window_expired")


def test_followup_needs_new_evidence_after_a_decision(rt: Settings, new_complaint: Factory) -> None:
    cid = new_complaint()
    act(rt, action(cid, "merchant.dispute", MERCHANT, text="no defect"))
    act(rt, action(cid, "platform.decide", "x", outcome={"decision": "merchant_wins"}, rule="r"))
    act(rt, action(cid, "buyer.confirm", BUYER))
    order = status_of(rt, cid)["order_id"]
    same = complaint_payload(external_id="f-1", order__order_id=order)
    act(rt, action(cid, "buyer.file_followup", BUYER, complaint=same))
    fresh = complaint_payload(external_id="f-2", order__order_id=order)
    fresh["evidence"] = [
        {
            "key": f"evidence/{BUYER}/new.jpg",
            "kind": "photo",
            "content_type": "image/jpeg",
            "size": len(JPEG) + 1,
            "sha256": sha(JPEG + b"2"),
        }
    ]
    act(rt, action(cid, "buyer.file_followup", BUYER, complaint=fresh))
    with psycopg.connect(rt.database_url, row_factory=dict_row) as conn:
        rows = {
            r["external_id"]: r
            for r in conn.execute(
                "SELECT external_id, status::text, rejection_reason, parent_id FROM complaints"
                " WHERE parent_id IS NOT NULL"
            ).fetchall()
        }
    assert rows["f-1"]["rejection_reason"] == "already_decided"
    assert rows["f-2"]["status"] == "awaiting_merchant"
    assert {str(r["parent_id"]) for r in rows.values()} == {cid}


@pytest.mark.parametrize(
    ("build", "rule"),
    [
        (
            lambda cid: action(cid, "merchant.accept", "m_other", remedy={"type": "exchange"}),
            "not_your_complaint",
        ),
        (lambda cid: action(cid, "buyer.withdraw", "b_other"), "not_your_complaint"),
        (lambda cid: action(cid, "buyer.confirm", BUYER), "not_allowed_now"),
        (
            lambda cid: action(
                cid, "platform.decide", "x", outcome={"decision": "merchant_wins"}, rule="r"
            ),
            "not_allowed_now",
        ),
        (
            lambda cid: action(
                cid,
                "merchant.accept",
                MERCHANT,
                remedy={"type": "refund", "amount_cents": ORDER_AMOUNT + 1},
            ),
            "amount_exceeds_order",
        ),
        (lambda cid: action(cid, "platform.approve_review", "x"), "not_allowed_now"),
        (lambda cid: action(cid, "merchant.accept", MERCHANT), "required_for_action"),
        (lambda cid: action(cid, "buyer.message", BUYER, text="x" * 2001), "string_too_long"),
    ],
)
def test_refused_actions_change_nothing_and_say_why(
    rt: Settings, new_complaint: Factory, build: Callable[[str], dict[str, Any]], rule: str
) -> None:
    cid = new_complaint()
    before = snapshot(rt, cid)
    act(rt, build(cid))
    assert snapshot(rt, cid) == before
    refusal = refusals(rt)[-1]
    assert refusal["rule"] == rule
    if rule == "not_allowed_now":
        assert "merchant.accept" in refusal["allowed"]["merchant"]


def test_replayed_action_applies_once(rt: Settings, new_complaint: Factory) -> None:
    cid = new_complaint()
    message = action(cid, "buyer.message", BUYER, text="还在吗？")
    act(rt, message)
    after_first = snapshot(rt, cid)
    act(rt, message)
    assert snapshot(rt, cid) == after_first


def test_view_and_scorecard(rt: Settings, new_complaint: Factory) -> None:
    a, b = new_complaint(), new_complaint()
    act(rt, full_refund(a))
    act(rt, action(b, "merchant.dispute", MERCHANT, text="no"))
    act(
        rt,
        action(
            b,
            "platform.decide",
            "x",
            outcome={"decision": "partial", "amount_cents": 100},
            rule="r",
        ),
    )
    with psycopg.connect(rt.database_url) as conn:
        view = complaint_view(conn, a, datetime.now(UTC))
        card = merchant_scorecard(conn, since=datetime.now(UTC) - timedelta(days=1))
    assert view["status"] == "merchant_proposed" and view["remedy"]["type"] == "refund"
    assert view["allowed_actions"]["buyer"] == [
        "buyer.accept_offer",
        "buyer.counter_offer",
        "buyer.message",
        "buyer.reject_offer",
        "buyer.withdraw",
    ]
    assert [c["kind"] for c in view["clocks"]] == ["buyer_offer_answer"]
    (row,) = card
    assert (row["merchant_id"], row["received"], row["answered"]) == (MERCHANT, 2, 2)
    assert (row["partial"], row["buyer_wins"], row["answered_in_time_share"]) == (1, 0, 1)


def test_a_suspended_complaint_can_be_withdrawn(rt: Settings, new_complaint: Factory) -> None:
    cid = new_complaint()
    act(rt, action(cid, "platform.suspend", "xiaoer_1", text="offline talks"))
    assert status_of(rt, cid)["status"] == "suspended"
    act(rt, action(cid, "buyer.withdraw", "b_10293"))
    row = status_of(rt, cid)
    assert (row["status"], row["suspended_from"]) == ("withdrawn", None)
