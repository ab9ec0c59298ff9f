"""SLA engine with an injected clock (no sleeping): warnings, every breach action, pause and
resume arithmetic, business hours, and the clock ledger parties read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from pipeline.adapters.s3 import make_s3_client
from pipeline.settings import Settings
from pipeline.views import complaint_view
from tests.factories import JPEG, complaint_payload, sha
from tests.inline import act, action, drain_outbox, one, stage, status_of
from workers import actors
from workers.runtime import bound, runtime
from workers.scheduler import schedule_once

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # a Friday, 17:00 in Shanghai
BUYER, MERCHANT = "b_10293", "m_552"


@dataclass
class FakeClock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _objects(settings: Settings) -> None:
    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key=f"evidence/{BUYER}/9f2c.jpg", Body=JPEG
    )


@pytest.fixture
def rt(settings: Settings, clock: FakeClock) -> Iterator[Settings]:
    _objects(settings)
    with bound(settings, clock=clock):
        yield settings
    assert rows_off_their_clock(settings) == []


#: Complaints whose row copy of the running clock (what work lists sort on) is not the
#: ledger's open deadline; a fired clock not yet handled keeps its due time on the row.
OFF_THE_LEDGER = """
SELECT c.id, c.status::text, c.waiting_on::text, c.due_at, d.party::text, d.due_at AS open_due
FROM complaints c LEFT JOIN deadlines d ON d.complaint_id = c.id AND d.state = 'open'
WHERE (c.waiting_on, c.due_at) IS DISTINCT FROM (d.party, d.due_at)
  AND NOT (d.id IS NULL AND EXISTS (
      SELECT 1 FROM deadlines f WHERE f.complaint_id = c.id AND f.state = 'fired'
        AND (f.party, f.due_at) = (c.waiting_on, c.due_at)))
"""


def rows_off_their_clock(settings: Settings) -> list[dict[str, Any]]:
    return rows(settings, OFF_THE_LEDGER)


def new_complaint(settings: Settings, n: int = 0, **overrides: Any) -> str:
    payload = complaint_payload(
        external_id=f"c-{n}",
        order__order_id=f"o-{n}",
        submitted_at="2026-11-27T16:00:00+08:00",
        **overrides,
    )
    actors.intake.fn(payload)
    drain_outbox(settings)
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(
            "SELECT id FROM complaints WHERE external_id = %s", (f"c-{n}",)
        ).fetchone()
    assert row is not None
    return str(row[0])


def tick(settings: Settings, clock: FakeClock) -> tuple[int, int]:
    t = schedule_once(runtime().pool, clock(), batch_size=100)
    drain_outbox(settings)
    return t.fired, t.warned


def rows(settings: Settings, sql: str, *args: Any) -> list[dict[str, Any]]:
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        return conn.execute(sql, args).fetchall()  # type: ignore[call-overload,no-any-return]


def deadlines(settings: Settings, cid: str) -> list[tuple[str, str]]:
    return [
        (r["kind"], r["state"])
        for r in rows(
            settings,
            "SELECT kind, state::text FROM deadlines WHERE complaint_id = %s ORDER BY id",
            cid,
        )
    ]


def test_warning_once_at_eighty_percent_then_breach(rt: Settings, clock: FakeClock) -> None:
    cid = new_complaint(rt)
    clock.advance(hours=57)
    assert tick(rt, clock) == (0, 0)
    clock.advance(minutes=36)  # 57.6 h = 80 % of 72 h
    assert tick(rt, clock) == (0, 1)
    assert tick(rt, clock) == (0, 0)
    warned = rows(
        rt, "SELECT recipient_role::text, kind FROM notifications WHERE kind = 'sla.warning'"
    )
    assert warned == [{"recipient_role": "merchant", "kind": "sla.warning"}]
    with psycopg.connect(rt.database_url) as conn:
        (c,) = complaint_view(conn, cid, clock())["clocks"]
    assert (c["party"], c["warned"], c["remaining_seconds"]) == ("merchant", True, 14.4 * 3600)

    clock.advance(hours=15)
    assert tick(rt, clock) == (1, 0)
    row = status_of(rt, cid)
    assert row["status"] == "remedy_in_progress"
    assert row["outcome"] == {
        "decision": "buyer_wins",
        "amount_cents": 12900,
        "rule": "merchant_answer_deadline",
        "level": 0,
        "auto": True,
    }
    breach = rows(rt, "SELECT data FROM complaint_events WHERE event = 'sla.merchant_breached'")
    assert breach[0]["data"]["kind"] == "merchant_answer"
    (stats,) = rows(rt, "SELECT sla_breaches, penalty_points FROM merchant_stats")
    assert stats == {"sla_breaches": 1, "penalty_points": 1}
    assert tick(rt, clock) == (0, 0)


def test_deadlines_due_together_fire_as_group_messages(
    rt: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    cids = [new_complaint(rt, n) for n in range(3)]
    groups: list[int] = []
    for name in ("sla_warning", "sla_breach"):
        actor = stage(name)
        real = actor.fn

        def spy(items: list[Any], real: Any = real) -> None:
            groups.append(len(items))
            real(items)

        monkeypatch.setattr(actor, "fn", spy)
    clock.advance(hours=57, minutes=36)
    assert tick(rt, clock) == (0, 3)
    clock.advance(hours=15)
    assert tick(rt, clock) == (3, 0)
    assert groups == [3, 3]  # one warning group, one breach group
    assert {status_of(rt, cid)["status"] for cid in cids} == {"remedy_in_progress"}
    (stats,) = rows(rt, "SELECT sla_breaches FROM merchant_stats")
    assert stats == {"sla_breaches": 3}


def test_redelivered_breach_and_warning_change_nothing(rt: Settings, clock: FakeClock) -> None:
    cid = new_complaint(rt)
    clock.advance(hours=60)
    tick(rt, clock)
    clock.advance(hours=13)
    tick(rt, clock)
    (d,) = rows(rt, "SELECT id FROM deadlines WHERE kind = 'merchant_answer'")
    before = rows(rt, "SELECT seq FROM complaint_events WHERE complaint_id = %s", cid)
    one("sla_breach", complaint_id=cid, deadline_id=d["id"])
    one("sla_warning", complaint_id=cid, deadline_id=d["id"])
    drain_outbox(rt)
    assert rows(rt, "SELECT seq FROM complaint_events WHERE complaint_id = %s", cid) == before


def test_answer_in_time_beats_a_late_breach_message(rt: Settings, clock: FakeClock) -> None:
    cid = new_complaint(rt)
    clock.advance(hours=73)
    schedule_once(runtime().pool, clock(), 100)  # fired, but the message is not yet handled
    act(rt, action(cid, "merchant.dispute", MERCHANT, text="answered"))
    row = status_of(rt, cid)
    assert row["status"] in ("in_arbitration", "remedy_in_progress")
    events = [
        r["event"]
        for r in rows(
            rt, "SELECT event FROM complaint_events WHERE complaint_id = %s ORDER BY seq", cid
        )
    ]
    # Exactly one of the two won; never both.
    assert ("merchant.dispute" in events) != ("sla.merchant_breached" in events)


def _to_status(settings: Settings, cid: str, path: list[tuple[str, str, dict[str, Any]]]) -> None:
    for name, actor, fields in path:
        act(settings, action(cid, name, actor, **fields))


DISPUTE = ("merchant.dispute", MERCHANT, {"text": "no"})
OFFER = ("merchant.accept", MERCHANT, {"remedy": {"type": "exchange"}})
DECIDE = (
    "platform.decide",
    "x",
    {"outcome": {"decision": "buyer_wins", "amount_cents": 100}, "rule": "r"},
)
MERCHANT_WINS = ("platform.decide", "x", {"outcome": {"decision": "merchant_wins"}, "rule": "r"})
SUSPEND = ("platform.suspend", "x", {"text": "court"})


@pytest.mark.parametrize(
    ("path", "hours", "status", "event", "extra"),
    [
        ([OFFER], 49, "awaiting_return", "sla.offer_timeout", {"decision": "agreed"}),
        ([DISPUTE], 49, "in_arbitration", "sla.arbitration_breached", {"level": 1}),
        # The platform carries the refund out through the payments port.
        ([DISPUTE, DECIDE], 25, "awaiting_settlement", "sla.remedy_breached", {"penalty": 1}),
        ([DISPUTE, MERCHANT_WINS], 7 * 24 + 1, "closed", "sla.confirm_timeout", {}),
        ([SUSPEND], 30 * 24 + 1, "awaiting_merchant", "sla.suspension_elapsed", {}),
    ],
)
def test_each_breach_action(
    rt: Settings,
    clock: FakeClock,
    path: list[Any],
    hours: int,
    status: str,
    event: str,
    extra: dict[str, Any],
) -> None:
    cid = new_complaint(rt)
    _to_status(rt, cid, path)
    clock.advance(hours=hours)
    assert tick(rt, clock)[0] == 1
    row = status_of(rt, cid)
    assert row["status"] == status
    assert (
        rows(rt, "SELECT count(*) AS n FROM complaint_events WHERE event = %s", event)[0]["n"] == 1
    )
    if "decision" in extra:
        assert row["outcome"]["decision"] == "agreed" and row["outcome"]["by"] == "silence"
    if "level" in extra:
        assert row["escalation_level"] == 1
        assert deadlines(rt, cid)[-2:] == [
            ("platform_arbitration", "fired"),
            ("platform_arbitration", "open"),
        ]
        clock.advance(hours=49)
        tick(rt, clock)
        assert status_of(rt, cid)["escalation_level"] == 2
    if "penalty" in extra:
        assert rows(rt, "SELECT penalty_points FROM merchant_stats")[0]["penalty_points"] == 1


def test_review_breach_escalates_a_waiting_manual_review(rt: Settings, clock: FakeClock) -> None:
    cid = new_complaint(rt, order__amount_cents=900_000, claimed_amount_cents=800_000)
    assert status_of(rt, cid)["stage"] == "manual_review"
    clock.advance(hours=25)
    assert tick(rt, clock) == (1, 0)
    row = status_of(rt, cid)
    assert (row["status"], row["escalation_level"]) == ("in_review", 1)
    told = rows(
        rt, "SELECT recipient_role::text FROM notifications WHERE kind = 'sla.review_breached'"
    )
    assert told == [{"recipient_role": "platform"}]


def test_evidence_timeout_closes_and_review_clock_pauses_meanwhile(
    rt: Settings, clock: FakeClock
) -> None:
    bad = complaint_payload()["evidence"][0] | {"sha256": sha(b"x")}
    cid = new_complaint(rt, evidence=[bad])
    assert deadlines(rt, cid) == [("platform_review", "paused"), ("buyer_evidence", "open")]
    clock.advance(hours=73)
    tick(rt, clock)
    assert status_of(rt, cid)["status"] == "closed"
    assert deadlines(rt, cid) == [("platform_review", "closed"), ("buyer_evidence", "fired")]
    (e,) = rows(rt, "SELECT data FROM complaint_events WHERE event = 'sla.evidence_timeout'")
    assert e["data"]["reason"] == "evidence_timeout"


def test_review_clock_resumes_with_the_time_it_had_left(rt: Settings, clock: FakeClock) -> None:
    missing = complaint_payload()["evidence"][0] | {"key": f"evidence/{BUYER}/later.jpg"}
    cid = new_complaint(rt, evidence=[missing])
    clock.advance(hours=10)
    still_missing = missing | {"key": f"evidence/{BUYER}/never.jpg"}
    act(rt, action(cid, "buyer.supply_evidence", BUYER, evidence=[still_missing]))
    # Back in awaiting_evidence: the review clock ran only for the moment in review.
    (review,) = rows(
        rt, "SELECT due_at, state::text, paused_total FROM deadlines WHERE kind = 'platform_review'"
    )
    assert review["state"] == "paused"
    assert review["due_at"] == T0 + timedelta(hours=24) + timedelta(hours=10)
    assert review["paused_total"] == timedelta(hours=10)


def test_suspension_moves_the_due_time_by_the_paused_span(rt: Settings, clock: FakeClock) -> None:
    cid = new_complaint(rt)
    clock.advance(hours=10)
    act(rt, action(cid, "platform.suspend", "x", text="court"))
    clock.advance(hours=100)  # longer than the merchant's whole window: nothing fires
    assert tick(rt, clock) == (0, 0)
    act(rt, action(cid, "platform.resume", "x"))
    (d,) = rows(rt, "SELECT due_at FROM deadlines WHERE state = 'open'")
    assert d["due_at"] == T0 + timedelta(hours=72 + 100)


def test_business_hours_calendar(settings: Settings, clock: FakeClock) -> None:
    _objects(settings)
    hours = replace(
        settings, business_hours="mon-fri 09:00-18:00", sla_windows='{"awaiting_merchant": 4}'
    )
    with bound(hours, clock=clock):
        cid = new_complaint(settings)  # dispatched Friday 17:00 Shanghai time
        (d,) = rows(settings, "SELECT due_at, warn_at FROM deadlines WHERE state = 'open'")
        monday_noon = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
        assert d["due_at"] == monday_noon
        clock.now = monday_noon - timedelta(minutes=1)
        assert tick(settings, clock) == (0, 1)
        clock.now = monday_noon
        assert tick(settings, clock) == (1, 0)
    assert status_of(settings, cid)["status"] == "remedy_in_progress"


def test_bad_sla_settings_are_refused() -> None:
    from pipeline.domain.sla import make_policy

    with pytest.raises(ValueError, match="COMPLAINTS_SLA_WINDOWS"):
        make_policy('{"closed": 3}', "", "", "UTC")
    with pytest.raises(ValueError, match="business hours"):
        make_policy("", "weekdays", "", "UTC")
