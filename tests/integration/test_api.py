"""The HTTP gateway on a real uvicorn server against real PostgreSQL, Redis and SeaweedFS."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
import redis

from pipeline.settings import Settings
from tests.api_server import problem_code, serving
from tests.factories import JPEG, complaint_payload, sha
from tests.inline import action, drain_outbox
from workers.runtime import bound

pytestmark = pytest.mark.integration

INGEST = {"Authorization": "Bearer ingest-token-0123456789"}
READ = {"Authorization": "Bearer reader-token-0123456789"}
BUYER = {"Authorization": "Bearer buyer-token-01234567890"}
MERCHANT = {"Authorization": "Bearer merchant-token-012345678"}


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with serving(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def count(settings: Settings, table: str) -> int:
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - fixed names
    assert row is not None
    return int(row[0])


def test_submit_is_durable_and_idempotent(api: httpx.Client, settings: Settings) -> None:
    body = complaint_payload()
    first = api.post("/v1/complaints", json=body, headers=INGEST)
    assert first.status_code == 202, first.text
    assert first.json()["outcome"] == "accepted" and first.json()["status"] == "in_review"
    again = api.post("/v1/complaints", json=body, headers=INGEST)
    assert again.status_code == 202 and again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    changed = api.post("/v1/complaints", json=complaint_payload(title="changed"), headers=INGEST)
    assert changed.status_code == 409 and problem_code(changed) == "conflict"
    keyed = api.post(
        "/v1/complaints",
        json=complaint_payload(external_id="k1", order__order_id="o-k1"),
        headers={**INGEST, "Idempotency-Key": "key-1"},
    )
    assert keyed.status_code == 202
    other = api.post(
        "/v1/complaints",
        json=complaint_payload(external_id="k2", order__order_id="o-k2"),
        headers={**INGEST, "Idempotency-Key": "key-1"},
    )
    assert other.status_code == 409
    assert count(settings, "complaints") == 2
    assert count(settings, "outbox WHERE actor_name = 'review'") == 2


def test_batch_accepts_valid_items_and_reports_each(api: httpx.Client, settings: Settings) -> None:
    items: list[Any] = [
        complaint_payload(external_id=f"b-{i}", order__order_id=f"o-{i}") for i in range(5)
    ]
    items.append(complaint_payload(external_id="bad", claimed_amount_cents=-1))
    items.append("not an object")
    items.append(items[0])
    r = api.post("/v1/complaints/batch", json={"items": items}, headers=INGEST)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["outcome"] for x in results] == ["accepted"] * 5 + ["invalid", "invalid", "replayed"]
    assert results[5]["errors"][0]["path"] == "claimed_amount_cents"
    assert results[7]["id"] == results[0]["id"]
    assert count(settings, "complaints") == 5
    too_many = api.post("/v1/complaints/batch", json={"items": items * 200}, headers=INGEST)
    assert too_many.status_code == 422


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer nope-nope-nope-nope"}, 401), (READ, 403)],
)
def test_auth(api: httpx.Client, headers: dict[str, str], status: int) -> None:
    r = api.post("/v1/complaints", json=complaint_payload(), headers=headers)
    assert r.status_code == status and problem_code(r) in ("unauthorized", "forbidden")


def test_errors_name_field_and_rule(api: httpx.Client) -> None:
    r = api.post("/v1/complaints", json=complaint_payload(title="", source="BAD"), headers=INGEST)
    assert r.status_code == 422
    assert {(e["path"], e["rule"]) for e in r.json()["errors"]} == {
        ("title", "string_too_short"),
        ("source", "string_pattern_mismatch"),
    }
    malformed = api.post(
        "/v1/complaints",
        content=b'{"schema": ',
        headers={**INGEST, "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400 and problem_code(malformed) == "malformed_json"
    deep = api.post(
        "/v1/complaints",
        content=b"[" * 100_000 + b"]" * 100_000,
        headers={**INGEST, "Content-Type": "application/json"},
    )
    assert deep.status_code in (400, 422)
    utf8 = api.post(
        "/v1/complaints",
        content=b'{"title": "\xff\xfe"}',
        headers={**INGEST, "Content-Type": "application/json"},
    )
    assert utf8.status_code in (400, 422)
    huge = api.post(
        "/v1/complaints", json=complaint_payload(description="x" * 10_000_000), headers=INGEST
    )
    assert huge.status_code == 413


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"claimed_amount_cents": -5}, "claimed_amount_cents"),
        ({"claimed_amount_cents": 2**63}, "claimed_amount_cents"),
        ({"submitted_at": "2099-01-01T00:00:00+00:00"}, "submitted_at"),
        ({"description": "bad\x00"}, "description"),
        ({"order__sku": "\x00"}, "order.sku"),
    ],
)
def test_malicious_fields_are_refused(
    api: httpx.Client, overrides: dict[str, Any], path: str
) -> None:
    r = api.post("/v1/complaints", json=complaint_payload(**overrides), headers=INGEST)
    assert r.status_code == 422 and path in {e["path"] for e in r.json()["errors"]}


def test_sql_text_is_stored_verbatim(api: httpx.Client) -> None:
    evil = "'; DROP TABLE complaints; -- \" OR 1=1"
    r = api.post(
        "/v1/complaints",
        json=complaint_payload(title=evil, description=evil, order__sku=evil),
        headers=INGEST,
    )
    assert r.status_code == 202
    view = api.get(f"/v1/complaints/{r.json()['id']}", headers=READ).json()
    assert view["title"] == evil and view["description"] == evil


def test_read_view_events_and_unknown(api: httpx.Client) -> None:
    cid = api.post("/v1/complaints", json=complaint_payload(), headers=INGEST).json()["id"]
    view = api.get(f"/v1/complaints/{cid}", headers=READ)
    assert view.status_code == 200
    body = view.json()
    assert body["status"] == "in_review" and body["clocks"][0]["party"] == "platform"
    assert "buyer.withdraw" in body["allowed_actions"]["buyer"]
    events = api.get(f"/v1/complaints/{cid}/events?limit=1", headers=READ).json()
    assert [e["event"] for e in events["events"]] == ["intake.accepted"]
    assert events["next_offset"] == 1
    missing = api.get("/v1/complaints/00000000-0000-0000-0000-000000000000", headers=READ)
    assert missing.status_code == 404
    assert api.get("/v1/complaints/not-a-uuid", headers=READ).status_code == 422


def test_actions_scopes_parties_and_replays(api: httpx.Client, settings: Settings) -> None:
    from pipeline.adapters.s3 import make_s3_client

    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG
    )
    cid = api.post("/v1/complaints", json=complaint_payload(), headers=INGEST).json()["id"]
    with bound(settings):
        drain_outbox(settings)
    accept = action(cid, "merchant.accept", "m_552", remedy={"type": "exchange"})
    assert api.post(f"/v1/complaints/{cid}/actions", json=accept, headers=BUYER).status_code == 403
    intruder = action(cid, "merchant.accept", "m_other", remedy={"type": "exchange"})
    r = api.post(f"/v1/complaints/{cid}/actions", json=intruder, headers=MERCHANT)
    assert r.status_code == 403 and problem_code(r) == "not_your_complaint"
    ok = api.post(f"/v1/complaints/{cid}/actions", json=accept, headers=MERCHANT)
    assert ok.status_code == 200 and ok.json() == {
        "complaint_id": cid,
        "status": "merchant_proposed",
        "outcome": "applied",
        "followup_id": None,
    }
    again = api.post(f"/v1/complaints/{cid}/actions", json=accept, headers=MERCHANT)
    assert again.json()["outcome"] == "replayed"
    wrong = api.post(
        f"/v1/complaints/{cid}/actions", json=action(cid, "buyer.confirm", "b_10293"), headers=BUYER
    )
    assert wrong.status_code == 409 and problem_code(wrong) == "not_allowed_now"
    assert "buyer.accept_offer" in wrong.json()["allowed"]["buyer"]
    bad = api.post(
        f"/v1/complaints/{cid}/actions",
        json=action(cid, "merchant.accept", "m_552"),
        headers=MERCHANT,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "remedy"


def test_presigned_upload_then_evidence_validation(api: httpx.Client, settings: Settings) -> None:
    body = {
        "submitter": {"role": "buyer", "id": "b_10293"},
        "filename": "../坏点 photo.jpg",
        "kind": "photo",
        "content_type": "image/jpeg",
        "size": len(JPEG),
        "sha256": sha(JPEG),
    }
    r = api.post("/v1/evidence/uploads", json=body, headers=BUYER)
    assert r.status_code == 200, r.text
    up = r.json()
    assert up["key"].startswith("evidence/b_10293/") and ".." not in up["key"]
    assert "X-Amz-Signature" in up["url"] and "X-Amz-Algorithm=AWS4-HMAC-SHA256" in up["url"]
    put = httpx.put(up["url"], content=JPEG, headers=up["headers"])
    assert put.status_code == 200, put.text
    tampered = httpx.put(up["url"], content=JPEG[:-1] + b"!", headers=up["headers"])
    assert tampered.status_code >= 400
    payload = complaint_payload()
    payload["evidence"][0]["key"] = up["key"]
    cid = api.post("/v1/complaints", json=payload, headers=INGEST).json()["id"]
    with bound(settings):
        drain_outbox(settings)
    view = api.get(f"/v1/complaints/{cid}", headers=READ).json()
    assert view["status"] == "awaiting_merchant"
    assert [e["verdict"] for e in view["evidence"]] == ["ok"]
    too_big = api.post(
        "/v1/evidence/uploads", json={**body, "size": 11 * 1024 * 1024}, headers=BUYER
    )
    assert too_big.status_code == 422 and too_big.json()["errors"][0]["rule"] == "too_large"
    assert api.post("/v1/evidence/uploads", json=body, headers=MERCHANT).status_code == 403


def test_backpressure_answers_429_with_retry_after(settings: Settings) -> None:
    r = redis.Redis.from_url(settings.redis_url)
    r.rpush("dramatiq:review", *[f"m{i}" for i in range(30)])
    with serving(settings, api_max_backlog=10) as url, httpx.Client(base_url=url) as client:
        resp = client.post("/v1/complaints", json=complaint_payload(), headers=INGEST)
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "5"
    assert count(settings, "complaints") == 0


def test_health_ready_metrics(api: httpx.Client) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {
        "postgres": "ok",
        "redis": "ok",
        "s3": "ok",
    }
    assert ready.json()["degraded"] == []
    # No COMPLAINTS_METRICS_TOKEN: no /metrics on the public port.
    assert api.get("/metrics").status_code == 404


def test_metrics_answer_only_with_the_metrics_token(settings: Settings) -> None:
    token = "metrics-token-0123456789"
    with serving(settings, metrics_token=token) as url:
        wrong = httpx.get(f"{url}/metrics", headers={"Authorization": "Bearer nope"})
        httpx.get(f"{url}/v1/complaints/{uuid.uuid4()}", headers=READ)
        right = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {token}"})
    assert wrong.status_code == 401
    assert right.status_code == 200 and "python_info" in right.text
    # Request metrics by route template (never the raw path) and status.
    assert (
        'complaints_api_requests_total{method="GET",route="/v1/complaints/{complaint_id}",'
        'status="404"}' in right.text
    )
    assert 'complaints_api_requests_total{method="GET",route="/metrics",status="401"}' in right.text
    assert 'complaints_api_request_duration_seconds_count{method="GET",route="/metrics"}' in (
        right.text
    )
    # The pipeline-wide gauges come from the exporter only (one place, no double counts).
    assert "complaints_queue_depth" not in right.text


def test_readyz_reports_s3_and_redis_down_as_degraded_not_unready(settings: Settings) -> None:
    from dataclasses import replace

    down = replace(settings, s3_endpoint="http://127.0.0.1:9", redis_url="redis://127.0.0.1:9/0")
    with serving(down) as url:
        r = httpx.get(f"{url}/readyz", timeout=30)
    body = r.json()
    assert r.status_code == 200 and body["ready"] is True, body
    assert body["degraded"] == ["redis", "s3"] and body["checks"]["s3"].startswith("down")


def test_readyz_names_why_the_evidence_bucket_cannot_be_read(settings: Settings) -> None:
    from dataclasses import replace

    with serving(replace(settings, s3_bucket="no-such-bucket-for-readyz")) as url:
        body = httpx.get(f"{url}/readyz", timeout=30).json()
    assert body["ready"] is True and body["degraded"] == ["s3"]
    assert body["checks"]["s3"] == "down: NoSuchBucket"


def test_the_readme_example_complaint_is_accepted(api: httpx.Client) -> None:
    import json
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "complaint.json"
    body = json.loads(example.read_text(encoding="utf-8"))
    first = api.post("/v1/complaints", json=body, headers=INGEST)
    assert first.status_code == 202 and first.json()["status"] == "in_review", first.text
    again = api.post("/v1/complaints", json=body, headers=INGEST)
    assert again.json() == {**first.json(), "outcome": "replayed"}
