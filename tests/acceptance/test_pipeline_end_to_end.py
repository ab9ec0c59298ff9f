"""1,000 generated complaints through real dramatiq worker processes and the relay, with
real evidence objects in SeaweedFS and a kill -9 of the workers mid-run.

Expected outcomes come from the generator's labels (how each sample was built), never from
the code under test."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from dramatiq import Message
from psycopg.rows import dict_row

from pipeline.adapters.s3 import make_s3_client
from pipeline.processes import Fleet
from pipeline.progress import read_progress, wait_until_settled
from pipeline.sample import Generator, Sample, upload_all
from pipeline.settings import Settings
from workers.broker import build_broker

pytestmark = pytest.mark.acceptance

COUNT = 1000


def _send(settings: Settings, samples: list[Sample]) -> None:
    broker = build_broker(settings)
    try:
        for s in samples:
            broker.enqueue(
                Message(
                    queue_name="intake",
                    actor_name="intake",
                    args=(s.payload,),
                    kwargs={},
                    options={},
                )
            )
    finally:
        broker.close()


def _rows(conn: psycopg.Connection[Any], query: str) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query).fetchall()  # type: ignore[arg-type]


def test_thousand_complaints_reach_predicted_statuses_through_a_worker_kill(
    settings: Settings, fleet: Fleet
) -> None:
    gen = Generator(seed=2026, now=datetime.now(UTC), source="acceptance")
    samples = gen.generate(COUNT)
    upload_all(make_s3_client(settings, max_pool=32), settings.s3_bucket, gen.uploads)
    assert {s.case for s in samples} >= {"valid", "duplicate", "invalid_schema", "traversal"}

    fleet.start_workers()
    fleet.start_relay()
    _send(settings, samples)

    # kill -9 the workers (parent and forked children) mid-run, then start them again.
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        deadline = time.monotonic() + 120
        while read_progress(conn, "acceptance").dispatched < COUNT // 5:
            assert time.monotonic() < deadline, "pipeline made no progress before the kill"
            time.sleep(0.1)
        fleet.kill("workers")
        killed_at = read_progress(conn, "acceptance")
    assert not killed_at.settled(len(samples)), "kill came too late to test anything"
    fleet.start_workers("workers-restarted")

    progress = wait_until_settled(settings.database_url, "acceptance", len(samples), timeout=240)
    assert progress.arrived == len(samples)

    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        complaints = {r["external_id"]: r for r in _rows(conn, "SELECT * FROM complaints")}
        items = defaultdict(dict)
        for r in _rows(
            conn,
            "SELECT c.external_id, e.position, e.verdict::text"
            " FROM evidence_items e JOIN complaints c ON c.id = e.complaint_id",
        ):
            items[r["external_id"]][r["position"]] = r["verdict"]
        missing_events = {
            r["external_id"]: r["data"]["missing_required"]
            for r in _rows(
                conn,
                "SELECT c.external_id, e.data FROM complaint_events e"
                " JOIN complaints c ON c.id = e.complaint_id"
                " WHERE e.event = 'evidence.insufficient'",
            )
        }
        quarantined = _rows(conn, "SELECT errors FROM ingest_quarantine")
        gaps = _rows(
            conn,
            "SELECT c.external_id FROM complaints c JOIN complaint_events e"
            " ON e.complaint_id = c.id GROUP BY c.id, c.external_id, c.version"
            " HAVING count(*) <> c.version OR max(e.seq) <> c.version",
        )
        repeated = _rows(
            conn,
            "SELECT complaint_id, event, count(*) FROM complaint_events"
            " GROUP BY 1, 2 HAVING count(*) > 1",
        )
        notes = _rows(
            conn,
            "SELECT count(*) AS n, count(*) FILTER (WHERE attempts <> 1"
            " OR delivered_at IS NULL) AS bad FROM notifications",
        )[0]
        stats = _rows(conn, "SELECT sum(complaints_received) AS n FROM merchant_stats")[0]

    # Every valid message became exactly one complaint; invalid ones are kept in quarantine.
    invalid = [s for s in samples if s.expected_status is None]
    assert len(complaints) == len(samples) - len(invalid)
    assert len(quarantined) == len(invalid)
    for q in quarantined:
        assert {e["path"] for e in q["errors"]} >= {"claimed_amount_cents", "title"}

    mismatches: list[str] = []
    pairs: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        if s.expected_status is None:
            continue
        if s.pair:
            pairs[s.pair].append(s)
            continue
        ext = s.payload["external_id"]
        row = complaints[ext]
        if row["status"] != s.expected_status:
            mismatches.append(f"{ext} ({s.case}): {row['status']} != {s.expected_status}")
        if row["rejection_reason"] != s.expected_reason:
            mismatches.append(f"{ext} ({s.case}): reason {row['rejection_reason']}")
        for position, verdict in s.expected_verdicts.items():
            if items[ext].get(position) != verdict:
                mismatches.append(f"{ext} ({s.case}): item {position} {items[ext].get(position)}")
        if s.expected_status == "awaiting_evidence":
            others = {p: v for p, v in items[ext].items() if p not in s.expected_verdicts}
            if set(others.values()) != {"ok"}:
                mismatches.append(f"{ext} ({s.case}): other verdicts {others}")
            if missing_events.get(ext) != s.expected_missing:
                mismatches.append(f"{ext} ({s.case}): missing {missing_events.get(ext)}")
    for tag, (first, second) in pairs.items():
        a, b = complaints[first.payload["external_id"]], complaints[second.payload["external_id"]]
        outcome = sorted([a["status"], b["status"]])
        if outcome != sorted([first.expected_status, "rejected"]):
            mismatches.append(f"pair {tag}: {outcome}")
        loser, winner = (a, b) if a["status"] == "rejected" else (b, a)
        if loser["rejection_reason"] != "duplicate" or loser["duplicate_of"] != winner["id"]:
            mismatches.append(f"pair {tag}: duplicate not linked")
    assert not mismatches, f"{len(mismatches)} mismatches, e.g. {mismatches[:10]}"

    # Exactly-once effects despite the kill: contiguous events, none repeated, each
    # notification delivered once, each dispatch counted once on the merchant's scorecard.
    assert gaps == [] and repeated == []
    assert notes["n"] > 0 and notes["bad"] == 0
    dispatched = Counter(r["status"] for r in complaints.values())["awaiting_merchant"]
    assert stats["n"] == dispatched
