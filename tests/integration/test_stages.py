"""Stage handlers against real PostgreSQL and SeaweedFS: exactly-once effects under
duplicate and stale deliveries, idempotent intake, quarantine, S3 trouble retried."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from pipeline.adapters.s3 import make_s3_client
from pipeline.settings import Settings
from tests.factories import JPEG, complaint_payload, sha
from tests.inline import one, stage
from workers import actors
from workers.runtime import bound

pytestmark = pytest.mark.integration


@pytest.fixture
def rt(settings: Settings) -> Iterator[Settings]:
    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG
    )
    with bound(settings):
        yield settings


def q(settings: Settings, query: str, *params: Any) -> list[dict[str, Any]]:
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        return conn.execute(query, params).fetchall()  # type: ignore[call-overload,no-any-return]


def snapshot(settings: Settings) -> tuple[Any, ...]:
    return (
        q(settings, "SELECT id, status, stage, version FROM complaints ORDER BY id"),
        q(settings, "SELECT complaint_id, seq, event FROM complaint_events ORDER BY 1, 2"),
        q(
            settings,
            "SELECT complaint_id, event_seq, recipient_role FROM notifications ORDER BY 1, 2, 3",
        ),
        q(settings, "SELECT complaint_id, kind, state FROM deadlines ORDER BY id"),
        q(settings, "SELECT * FROM merchant_stats"),
    )


def pending(settings: Settings, actor: str) -> list[dict[str, Any]]:
    return q(settings, "SELECT payload FROM outbox WHERE actor_name = %s ORDER BY id", actor)


def run_pipeline(settings: Settings, payload: dict[str, Any]) -> str:
    """Drive one complaint through every automated stage, twice per message."""
    actors.intake.fn(payload)
    actors.intake.fn(payload)
    (cid,) = [r["id"] for r in q(settings, "SELECT id FROM complaints")]
    for job in ("review", "evidence", "route", "dispatch"):
        for _ in range(2):  # a redelivered message must change nothing
            one(job, complaint_id=str(cid))
    return str(cid)


def test_one_actor_per_job_of_the_stage_table() -> None:
    from pipeline.domain.stages import DEFAULT_DISPATCH_QUEUE, STAGES, Job

    assert set(actors.STAGE_ACTORS) == set(Job)
    for job, actor in actors.STAGE_ACTORS.items():
        assert actor.actor_name == str(job)
        assert actor.queue_name == (STAGES[job].queue or DEFAULT_DISPATCH_QUEUE)


def test_redelivered_messages_have_no_second_effect(rt: Settings) -> None:
    cid = run_pipeline(rt, complaint_payload())
    (row,) = q(rt, "SELECT status, stage, version FROM complaints")
    assert (row["status"], row["stage"]) == ("awaiting_merchant", "parties")
    events = [r["event"] for r in q(rt, "SELECT event FROM complaint_events ORDER BY seq")]
    assert events == [
        "intake.accepted",
        "review.passed",
        "evidence.accepted",
        "route.assigned",
        "merchant.dispatched",
    ]
    assert row["version"] == len(events)
    assert [r["payload"]["complaint_id"] for r in pending(rt, "dispatch")] == [cid]
    (stats,) = q(rt, "SELECT complaints_received FROM merchant_stats WHERE merchant_id = 'm_552'")
    assert stats["complaints_received"] == 1
    deadlines = q(rt, "SELECT kind, state FROM deadlines ORDER BY id")
    assert deadlines == [
        {"kind": "platform_review", "state": "closed"},
        {"kind": "merchant_answer", "state": "open"},
    ]

    before = snapshot(rt)
    for job in ("review", "evidence", "route", "dispatch"):  # stale: complaint moved on
        one(job, complaint_id=cid)
    assert snapshot(rt) == before


def test_notifications_are_delivered_once(rt: Settings) -> None:
    run_pipeline(rt, complaint_payload())
    for msg in pending(rt, "notify"):
        one("notify", **msg["payload"])
        one("notify", **msg["payload"])
    rows = q(
        rt,
        "SELECT recipient_role::text, kind, attempts, delivered_at FROM notifications"
        " ORDER BY event_seq, recipient_role",
    )
    assert [(r["recipient_role"], r["kind"]) for r in rows] == [
        ("buyer", "intake.accepted"),
        ("buyer", "merchant.dispatched"),
        ("merchant", "merchant.dispatched"),
    ]
    assert all(r["attempts"] == 1 and r["delivered_at"] for r in rows)


def test_one_notify_message_delivers_several_complaints_events_once(rt: Settings) -> None:
    run_pipeline(rt, complaint_payload())
    actors.intake.fn(complaint_payload(external_id="c-second"))
    items = [[str(uuid.uuid4()), m["payload"]] for m in pending(rt, "notify")]
    assert len({p["complaint_id"] for _, p in items}) == 2
    stage("notify").fn(items)
    stage("notify").fn(items)  # redelivered: nothing left to deliver
    rows = q(rt, "SELECT attempts, delivered_at FROM notifications")
    assert len(rows) == 4
    assert all(r["attempts"] == 1 and r["delivered_at"] for r in rows)


def test_a_group_message_runs_every_item_then_fails_for_the_bad_one(rt: Settings) -> None:
    for n in range(3):
        actors.intake.fn(complaint_payload(external_id=f"g-{n}", buyer_id=f"b_{n}"))
    ids = [str(r["id"]) for r in q(rt, "SELECT id FROM complaints ORDER BY external_id")]
    items = [[str(uuid.uuid4()), {"complaint_id": cid}] for cid in ids]
    items.insert(1, [str(uuid.uuid4()), {"complaint_id": "not-a-uuid"}])
    with pytest.raises(actors.GroupIncomplete, match="1 of 4 items failed"):
        stage("review").fn(items)
    rows = q(rt, "SELECT stage::text FROM complaints")
    assert [r["stage"] for r in rows] == ["evidence"] * 3
    events = q(rt, "SELECT message_id::text FROM complaint_events WHERE event = 'review.passed'")
    assert sorted(e["message_id"] for e in events) == sorted(
        i[0] for i in items if i[0] != items[1][0]
    )
    before = snapshot(rt)
    with pytest.raises(actors.GroupIncomplete):  # the retry: done items are skipped
        stage("review").fn(items)
    assert snapshot(rt) == before


def test_a_clean_group_commits_in_one_transaction_stage_by_stage(rt: Settings) -> None:
    base = complaint_payload()
    for n in range(3):  # one buyer (its evidence is in S3), three orders
        actors.intake.fn(
            {**base, "external_id": f"g-{n}", "order": {**base["order"], "order_id": f"o_{n}"}}
        )
    for job in ("review", "evidence", "route"):
        items = [[str(uuid.uuid4()), m["payload"]] for m in pending(rt, job)]
        assert len(items) == 3
        stage(job).fn(items)
        rows = q(rt, "SELECT xmin::text AS tx, stage::text FROM complaints")
        assert len({r["tx"] for r in rows}) == 1, f"{job}: one commit for the group"
    assert [r["stage"] for r in rows] == ["dispatch"] * 3
    events = q(rt, "SELECT count(DISTINCT message_id) AS n FROM complaint_events WHERE seq > 1")
    assert events[0]["n"] == 9


def test_intake_replay_is_idempotent_and_a_changed_body_conflicts(rt: Settings) -> None:
    from pipeline.db.store import unit_of_work
    from pipeline.handlers.intake import intake_message
    from workers.runtime import runtime

    pool = runtime().pool
    with unit_of_work(pool) as store:
        first = intake_message(store, complaint_payload())
    with unit_of_work(pool) as store:
        again = intake_message(store, complaint_payload())
    with unit_of_work(pool) as store:
        changed = intake_message(store, complaint_payload(title="changed"))
    assert first.outcome == "accepted"
    assert (again.outcome, again.complaint_id) == ("replayed", first.complaint_id)
    assert (changed.outcome, changed.complaint_id) == ("conflict", first.complaint_id)
    assert len(q(rt, "SELECT id FROM complaints")) == 1


def test_invalid_queue_message_is_quarantined_with_path_and_rule(rt: Settings) -> None:
    bad = complaint_payload(claimed_amount_cents=-3, surprise=True)
    actors.intake.fn(bad)
    actors.intake.fn("{not json")
    rows = q(
        rt,
        "SELECT received_via, source, external_id, raw, errors FROM ingest_quarantine ORDER BY id",
    )
    assert len(rows) == 2 and q(rt, "SELECT id FROM complaints") == []
    assert rows[0]["source"] == "tmall-app" and rows[0]["received_via"] == "queue"
    assert {(e["path"], e["rule"]) for e in rows[0]["errors"]} == {
        ("claimed_amount_cents", "greater_than_equal"),
        ("surprise", "extra_forbidden"),
    }
    assert rows[1]["raw"] == "{not json" and rows[1]["errors"][0]["rule"] == "json_invalid"


def test_a_redelivered_invalid_message_is_quarantined_once(rt: Settings) -> None:
    """Its worker died after the commit, before the ack: the same message comes again."""
    from pipeline.db.store import unit_of_work
    from pipeline.handlers.intake import intake_message
    from workers.runtime import runtime

    bad = complaint_payload(claimed_amount_cents=-3)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    for message_id in (first, first, second):  # a redelivery, then a new message
        with unit_of_work(runtime().pool) as store:
            intake_message(store, bad, message_id=message_id)
    rows = q(rt, "SELECT message_id::text AS m FROM ingest_quarantine ORDER BY id")
    assert [r["m"] for r in rows] == [first, second]


def test_sql_fragments_are_stored_verbatim(rt: Settings) -> None:
    evil = "'); DROP TABLE complaints; --"
    actors.intake.fn(complaint_payload(title=evil, description=evil))
    assert q(rt, "SELECT title FROM complaints") == [{"title": evil}]


def test_s3_outage_retries_the_message_and_fails_nothing(settings: Settings) -> None:
    down = replace(settings, s3_endpoint="http://127.0.0.1:9")  # nothing listens there
    with bound(down):
        actors.intake.fn(complaint_payload())
        (cid,) = [str(r["id"]) for r in q(settings, "SELECT id FROM complaints")]
        one("review", complaint_id=cid)
        before = snapshot(settings)
        with pytest.raises(Exception, match="could not connect to 127.0.0.1:9"):
            one("evidence", complaint_id=cid)
        assert snapshot(settings) == before
    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG
    )
    with bound(settings):  # S3 back: the retried message goes through
        one("evidence", complaint_id=cid)
    assert q(settings, "SELECT stage FROM complaints") == [{"stage": "route"}]


def test_real_s3_inline_checksum_and_streamed_hash_paths(settings: Settings) -> None:
    import base64
    import hashlib

    from pipeline.adapters import evidence_store
    from pipeline.adapters.evidence_store import S3EvidenceStore

    s3 = make_s3_client(settings)
    big = b"%PDF-1.7\n" + b"x" * (evidence_store.INLINE_LIMIT + 10)
    s3.put_object(Bucket=settings.s3_bucket, Key="evidence/b1/small.jpg", Body=JPEG)
    s3.put_object(
        Bucket=settings.s3_bucket,
        Key="evidence/b1/big.pdf",
        Body=big,
        ChecksumSHA256=base64.b64encode(hashlib.sha256(big).digest()).decode(),
    )
    s3.put_object(Bucket=settings.s3_bucket, Key="evidence/b1/big-plain.pdf", Body=big)
    s3.put_object(Bucket=settings.s3_bucket, Key="evidence/b1/empty.txt", Body=b"")
    store = S3EvidenceStore(settings)
    small = store.inspect("evidence/b1/small.jpg", 3)
    assert small == evidence_store.ObjectFacts(len(JPEG), JPEG[:3], sha(JPEG))
    with_sum = store.inspect("evidence/b1/big.pdf", 5)
    assert with_sum is not None and with_sum.sha256_hex == hashlib.sha256(big).hexdigest()
    assert (with_sum.size, with_sum.head) == (len(big), b"%PDF-")
    plain = store.inspect("evidence/b1/big-plain.pdf", 5)
    assert plain is not None and plain.sha256_hex is None and plain.size == len(big)
    assert store.sha256_hex("evidence/b1/big-plain.pdf") == hashlib.sha256(big).hexdigest()
    empty = store.inspect("evidence/b1/empty.txt", 5)
    assert empty is not None and empty.size == 0
    assert store.inspect("evidence/b1/absent.jpg", 5) is None


def test_batch_accept_in_one_transaction_with_replays_and_conflicts(rt: Settings) -> None:
    from pipeline.db.store import unit_of_work
    from pipeline.handlers.intake import accept
    from schemas.complaint import parse_complaint
    from workers.runtime import runtime

    a = parse_complaint(complaint_payload(external_id="a"))
    a_changed = parse_complaint(complaint_payload(external_id="a", title="changed"))
    b = parse_complaint(complaint_payload(external_id="b", order__order_id="o-b"))
    c = parse_complaint(complaint_payload(external_id="c", order__order_id="o-c"))
    with unit_of_work(runtime().pool) as store:
        results = accept(
            store, [(a, None), (a, None), (a_changed, None), (b, "key-1"), (c, "key-1")]
        )
    assert [r.outcome for r in results] == [
        "accepted",
        "replayed",
        "conflict",
        "accepted",
        "conflict",
    ]
    assert results[0].complaint_id == results[1].complaint_id == results[2].complaint_id
    assert results[4].complaint_id == results[3].complaint_id
    assert len(q(rt, "SELECT id FROM complaints")) == 2
    assert len(q(rt, "SELECT * FROM complaint_events")) == 2
    assert len(q(rt, "SELECT * FROM outbox WHERE actor_name = 'review'")) == 2
    assert {r["kind"] for r in q(rt, "SELECT kind FROM deadlines")} == {"platform_review"}
