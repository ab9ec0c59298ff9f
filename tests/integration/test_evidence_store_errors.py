"""A store that cannot answer never judges evidence (real SeaweedFS): a bucket that does not
exist or refused credentials fail the evidence stage whole, write no verdict, and are
logged and counted (Prometheus and the durable counter `complaints status` reads)."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from prometheus_client import REGISTRY
from psycopg.rows import dict_row

from pipeline.adapters.evidence_store import EvidenceStoreUnavailable, probe_bucket
from pipeline.adapters.s3 import make_s3_client
from pipeline.handlers.evidence import check_item
from pipeline.settings import Settings
from tests.cli import run_cli
from tests.factories import JPEG, complaint_payload
from tests.inline import one, stage
from workers import actors
from workers.runtime import bound, runtime

pytestmark = pytest.mark.integration

BROKEN = {
    "NoSuchBucket": {"s3_bucket": f"absent-{uuid.uuid4().hex[:12]}"},
    "SignatureDoesNotMatch": {"s3_secret_key": "not-the-secret"},
    "InvalidAccessKeyId": {"s3_access_key": "nobody-knows-me"},
}


def rows(settings: Settings, query: str) -> list[dict[str, Any]]:
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        return conn.execute(query).fetchall()  # type: ignore[arg-type]


def metric(reason: str) -> float:
    value = REGISTRY.get_sample_value("complaints_evidence_store_errors_total", {"reason": reason})
    return value or 0.0


def waiting_for_evidence(settings: Settings, n: int) -> list[list[Any]]:
    """`n` complaints past review, their evidence object in the test's (real) bucket; the
    evidence group message that would check them."""
    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG
    )
    base = complaint_payload()
    with bound(settings):
        for i in range(n):
            order = {**base["order"], "order_id": f"o_{i}"}
            actors.intake.fn({**base, "external_id": f"s-{i}", "order": order})
        for row in rows(settings, "SELECT id FROM complaints"):
            one("review", complaint_id=str(row["id"]))
    ids = [str(r["id"]) for r in rows(settings, "SELECT id FROM complaints ORDER BY id")]
    return [[str(uuid.uuid4()), {"complaint_id": cid}] for cid in ids]


def state(settings: Settings) -> tuple[Any, ...]:
    return (
        rows(settings, "SELECT id, status, stage, version FROM complaints ORDER BY id"),
        rows(settings, "SELECT id, verdict, checked_at FROM evidence_items ORDER BY id"),
        rows(settings, "SELECT complaint_id, seq, event FROM complaint_events ORDER BY 1, 2"),
        rows(settings, "SELECT actor_name, payload FROM outbox ORDER BY id"),
    )


@pytest.mark.parametrize("reason", list(BROKEN))
def test_a_store_failure_fails_the_group_with_no_verdict_and_is_counted(
    settings: Settings, reason: str
) -> None:
    items = waiting_for_evidence(settings, 3)
    before = state(settings)
    assert all(item["verdict"] is None for item in before[1]) and len(before[1]) == 3
    counted = metric(reason)
    with bound(replace(settings, **BROKEN[reason])):
        # not GroupIncomplete: the items were not tried one by one either
        with pytest.raises(EvidenceStoreUnavailable) as failed:
            stage("evidence").fn(items)
        assert failed.value.reason == reason
        with pytest.raises(EvidenceStoreUnavailable):  # a single message, the same
            stage("evidence").fn(items[:1])
    assert state(settings) == before, "nothing written: no verdict, no transition"
    assert metric(reason) == counted + 2
    (counter,) = rows(
        settings, "SELECT name, value FROM counters WHERE name LIKE 'evidence_store_errors:%'"
    )
    assert counter["name"].startswith(f"evidence_store_errors:{reason}:")
    assert counter["value"] == 2

    shown = json.loads(run_cli(settings, "status", "--json").stdout)
    (errors,) = shown["evidence_store_errors"]
    assert (errors["reason"], errors["recent"], errors["last_7_days"]) == (reason, 2, 2)
    assert reason in run_cli(settings, "status").stdout

    with bound(settings):  # the store is back: the retried message judges the evidence
        stage("evidence").fn(items)
    verdicts = rows(settings, "SELECT verdict::text FROM evidence_items")
    assert verdicts == [{"verdict": "ok"}] * 3


def test_check_item_raises_instead_of_judging(settings: Settings) -> None:
    item = {
        "key": "evidence/b_1/x.jpg",
        "kind": "photo",
        "content_type": "image/jpeg",
        "size": len(JPEG),
        "sha256": "0" * 64,
        "position": 0,
        "submitted_by_id": "b_1",
    }
    with bound(settings):
        assert check_item(item, runtime().evidence).verdict.value == "missing"
    with bound(replace(settings, **BROKEN["NoSuchBucket"])):
        with pytest.raises(EvidenceStoreUnavailable, match="NoSuchBucket"):
            check_item(item, runtime().evidence)


def test_probe_bucket_names_what_is_wrong(settings: Settings) -> None:
    def probe(**changes: str) -> str | None:
        broken = replace(settings, **changes)
        return probe_bucket(make_s3_client(broken), broken.s3_bucket)

    assert probe() is None
    for reason, changes in BROKEN.items():
        assert probe(**changes) == reason
    assert probe(s3_endpoint="http://127.0.0.1:9") == "EndpointConnectionError"
