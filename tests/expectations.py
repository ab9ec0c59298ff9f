"""End-state checks shared by the acceptance and chaos suites. Expectations come from the
generator's labels (how each sample was built), never from the code under test."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import psycopg
import redis
from psycopg.rows import dict_row

from pipeline.sample import Sample


def _rows(conn: psycopg.Connection[Any], query: str) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query).fetchall()  # type: ignore[arg-type]


def verify_outcomes(database_url: str, samples: list[Sample]) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        complaints = {r["external_id"]: r for r in _rows(conn, "SELECT * FROM complaints")}
        items: dict[str, dict[int, str]] = defaultdict(dict)
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
    invalid = [s for s in samples if s.expected_status is None]
    assert len(complaints) == len(samples) - len(invalid)
    assert len(quarantined) == len(invalid)
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
        if outcome != sorted([str(first.expected_status), "rejected"]):
            mismatches.append(f"pair {tag}: {outcome}")
        loser, winner = (a, b) if a["status"] == "rejected" else (b, a)
        if loser["rejection_reason"] != "duplicate" or loser["duplicate_of"] != winner["id"]:
            mismatches.append(f"pair {tag}: duplicate not linked")
    assert not mismatches, f"{len(mismatches)} mismatches, e.g. {mismatches[:10]}"


def verify_exactly_once(database_url: str, redis_url: str | None = None) -> None:
    """Contiguous, unrepeated events; every notification delivered once; every dispatch
    counted once; outbox drained; (optionally) no message left in any queue."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        gaps = _rows(
            conn,
            "SELECT c.external_id FROM complaints c JOIN complaint_events e"
            " ON e.complaint_id = c.id GROUP BY c.id, c.external_id, c.version"
            " HAVING count(*) <> c.version OR max(e.seq) <> c.version",
        )
        # SLA events are once per deadline (a complaint can have several clocks in turn).
        repeated = _rows(
            conn,
            "SELECT complaint_id, event, data ->> 'deadline_id' AS deadline, count(*)"
            " FROM complaint_events GROUP BY 1, 2, 3 HAVING count(*) > 1",
        )
        notes = _rows(
            conn,
            "SELECT count(*) AS n, count(*) FILTER (WHERE attempts <> 1"
            " OR delivered_at IS NULL) AS bad FROM notifications",
        )[0]
        stats = _rows(
            conn, "SELECT coalesce(sum(complaints_received), 0) AS n FROM merchant_stats"
        )[0]
        dispatched = _rows(
            conn, "SELECT count(*) AS n FROM complaint_events WHERE event = 'merchant.dispatched'"
        )[0]
        unsent = _rows(conn, "SELECT count(*) AS n FROM outbox")[0]
    assert gaps == [] and repeated == [], (gaps[:5], repeated[:5])
    assert notes["n"] > 0 and notes["bad"] == 0, notes
    assert stats["n"] == dispatched["n"]
    assert unsent["n"] == 0
    if redis_url is not None:
        r = redis.Redis.from_url(redis_url)
        waiting = {
            k.decode(): r.llen(k)
            for k in r.keys("dramatiq:*")
            if r.type(k) == b"list" and r.llen(k)
        }
        assert waiting == {}, waiting
