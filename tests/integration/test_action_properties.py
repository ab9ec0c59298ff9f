"""Property: random actions from random actors never break the lifecycle's invariants."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.rows import dict_row

from pipeline.adapters.s3 import make_s3_client
from pipeline.domain.status import TERMINAL, Status
from pipeline.domain.transitions import PREVIOUS, TABLE, Event
from pipeline.settings import Settings
from tests.factories import JPEG, complaint_payload
from tests.inline import act, action, drain_outbox
from workers import actors
from workers.runtime import bound

pytestmark = pytest.mark.integration

ORDER = 12900
PARTIES = {
    "buyer": ["b_10293", "b_intruder"],
    "merchant": ["m_552", "m_intruder"],
    "platform": ["xiaoer_1"],
}
NAMES = [
    "merchant.accept",
    "merchant.dispute",
    "merchant.message",
    "merchant.remedy_executed",
    "buyer.accept_offer",
    "buyer.reject_offer",
    "buyer.confirm",
    "buyer.appeal",
    "buyer.withdraw",
    "buyer.message",
    "platform.decide",
    "platform.suspend",
    "platform.resume",
]
REMEDIES = ["refund", "return_and_refund", "exchange", "repair", "reship", "compensation"]

amounts = st.integers(min_value=0, max_value=2 * ORDER)


@st.composite
def an_action(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    name = draw(st.sampled_from(NAMES))
    actor = draw(st.sampled_from(PARTIES[name.split(".")[0]]))
    fields: dict[str, Any] = {}
    if name == "merchant.accept":
        fields["remedy"] = {"type": draw(st.sampled_from(REMEDIES)), "amount_cents": draw(amounts)}
    if name in ("merchant.dispute", "merchant.message", "buyer.message"):
        fields["text"] = "说明 explanation"
    if name == "platform.decide":
        decision = draw(st.sampled_from(["buyer_wins", "partial", "merchant_wins"]))
        fields["outcome"] = {"decision": decision}
        if decision != "merchant_wins":
            fields["outcome"]["amount_cents"] = draw(amounts)
        fields["rule"] = "r-1"
    return name, actor, fields


@pytest.fixture
def rt(settings: Settings) -> Iterator[Settings]:
    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG
    )
    with bound(settings):
        yield settings


def state(conn: psycopg.Connection[Any], cid: str) -> tuple[Any, ...]:
    c = conn.execute("SELECT * FROM complaints WHERE id = %s", (cid,)).fetchone()
    events = conn.execute(
        "SELECT * FROM complaint_events WHERE complaint_id = %s ORDER BY seq", (cid,)
    ).fetchall()
    notes = conn.execute(
        "SELECT count(*) AS n FROM notifications WHERE complaint_id = %s", (cid,)
    ).fetchone()
    return c, events, notes


def check_invariants(c: dict[str, Any], events: list[dict[str, Any]]) -> None:
    assert [e["seq"] for e in events] == list(range(1, c["version"] + 1))
    for e in events:
        target, _ = TABLE[(Status(e["from_status"]), Event(e["event"]))]
        if target is PREVIOUS:
            assert e["from_status"] == "suspended"
        else:
            assert e["to_status"] == target
    for column in ("remedy", "outcome"):
        value = c[column] or {}
        for key in ("amount_cents", "compensation_cents"):
            assert (value.get(key) or 0) <= c["order_amount_cents"]


counter = itertools.count()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(an_action(), min_size=1, max_size=8))
def test_random_actions_keep_invariants(rt: Settings, steps: list[Any]) -> None:
    n = next(counter)
    payload = complaint_payload(external_id=f"p-{n}", order__order_id=f"o-{n}")
    actors.intake.fn(payload)
    drain_outbox(rt)
    with psycopg.connect(rt.database_url, autocommit=True, row_factory=dict_row) as conn:
        (cid,) = (
            conn.execute("SELECT id FROM complaints WHERE external_id = %s", (f"p-{n}",))
            .fetchone()
            .values()
        )
        cid = str(cid)
        for name, actor, fields in steps:
            before = state(conn, cid)
            act(rt, action(cid, name, actor, **fields))
            after = state(conn, cid)
            check_invariants(after[0], after[1])
            if Status(before[0]["status"]) in TERMINAL:
                assert after == before, "a terminal complaint changed"
            if actor.endswith("intruder"):
                assert after == before, "an outsider changed a complaint"
