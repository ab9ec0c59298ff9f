"""The gateway's edge on a real server: problem details on every error path, request ids,
body limits whatever the framing, strict times, and action idempotency keys per caller."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest

from pipeline.settings import Settings
from tests.api_server import problem_code, serving
from tests.factories import JPEG, complaint_payload
from tests.inline import action, drain_outbox, forwarded_complaint
from workers.runtime import bound

pytestmark = pytest.mark.integration

INGEST = {"Authorization": "Bearer ingest-token-0123456789"}
READ = {"Authorization": "Bearer reader-token-0123456789"}
BUYER = {"Authorization": "Bearer buyer-token-01234567890"}
MERCHANT = {"Authorization": "Bearer merchant-token-012345678"}
#: Another caller with the merchant scope: its idempotency keys are its own.
ALL = {"Authorization": "Bearer all-scopes-token-0123456"}


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with serving(settings, api_max_body_bytes=1000) as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client


@pytest.fixture
def forwarded(settings: Settings) -> str:
    return forwarded_complaint(settings)


def post_action(api: httpx.Client, cid: str, body: Any, who: dict[str, str]) -> httpx.Response:
    return api.post(f"/v1/complaints/{cid}/actions", json=body, headers=who)


def events(settings: Settings, cid: str) -> list[str]:
    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute(
            "SELECT event FROM complaint_events WHERE complaint_id = %s ORDER BY seq", (cid,)
        ).fetchall()
    return [r[0] for r in rows]


def test_errors_are_problem_details_in_the_callers_language(api: httpx.Client) -> None:
    missing = api.get("/v1/complaints/00000000-0000-0000-0000-000000000000", headers=READ)
    assert missing.status_code == 404 and problem_code(missing) == "not_found"
    assert missing.json()["title"] == "Not found"
    zh = api.get(
        "/v1/complaints/00000000-0000-0000-0000-000000000000",
        headers={**READ, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"},
    )
    assert problem_code(zh) == "not_found" and zh.json()["title"] == "未找到"
    assert zh.json()["detail"] == "投诉 00000000-0000-0000-0000-000000000000 不存在"
    unauthorised = api.get("/v1/complaints/00000000-0000-0000-0000-000000000000")
    assert unauthorised.status_code == 401 and problem_code(unauthorised) == "unauthorized"
    assert unauthorised.headers["www-authenticate"] == "Bearer"
    wrong_type = api.post(
        "/v1/evidence/uploads",
        content=b"a=b",
        headers={**BUYER, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert wrong_type.status_code == 415 and problem_code(wrong_type) == "unsupported_media_type"
    bad = api.get("/v1/complaints/not-a-uuid", headers=READ)
    assert bad.status_code == 422 and problem_code(bad) == "invalid"
    assert [e["path"] for e in bad.json()["errors"]] == ["path.complaint_id"]


def test_refusals_name_party_actions_only_and_no_internals(
    api: httpx.Client, forwarded: str
) -> None:
    r = post_action(api, forwarded, action(forwarded, "buyer.confirm", "b_10293"), BUYER)
    assert r.status_code == 409 and problem_code(r) == "not_allowed_now"
    body = r.json()
    assert body["detail"] == "buyer.confirm is not allowed while the complaint is awaiting_merchant"
    assert set(body["allowed"]) == {"buyer", "merchant", "platform"}
    listed = [a for names in body["allowed"].values() for a in names]
    assert "merchant.accept" in listed and not any(a.startswith("sla.") for a in listed)
    assert "<" not in r.text and "Event." not in r.text and "Status." not in r.text


def test_request_id_is_kept_or_made_and_echoed(api: httpx.Client) -> None:
    kept = api.get("/healthz", headers={"X-Request-ID": "upstream-42.a:b"})
    assert kept.headers["x-request-id"] == "upstream-42.a:b"
    made = api.get("/v1/complaints/00000000-0000-0000-0000-000000000000", headers=READ)
    assert len(made.headers["x-request-id"]) == 32
    assert made.json()["request_id"] == made.headers["x-request-id"]
    odd = api.get("/healthz", headers={"X-Request-ID": "has space\tand tab"})
    assert odd.headers["x-request-id"] != "has space\tand tab"


def _raw_exchange(url: str, head: bytes, first_chunk: bytes) -> bytes:
    """Send a request head and one chunk of a chunked body, never finishing the body; return
    what the server answers (it must answer without waiting for the rest)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as sock:
        sock.sendall(head + b"%x\r\n" % len(first_chunk) + first_chunk + b"\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
        return answer


@pytest.mark.parametrize(
    ("path", "auth", "status"),
    [
        ("/v1/complaints", b"Authorization: Bearer ingest-token-0123456789\r\n", b"413"),
        ("/v1/complaints/batch", b"Authorization: Bearer ingest-token-0123456789\r\n", b"413"),
        ("/v1/complaints", b"", b"401"),
        ("/v1/evidence/uploads", b"Authorization: Bearer nope-nope-nope-nope\r\n", b"401"),
    ],
)
def test_chunked_bodies_stop_at_the_limit_and_tokens_come_first(
    api: httpx.Client, path: str, auth: bytes, status: bytes
) -> None:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n".encode()
        + auth
        + b"Transfer-Encoding: chunked\r\n\r\n"
    )
    answer = _raw_exchange(str(api.base_url), head, b"[" + b" " * 4000)
    assert answer.split(b" ", 2)[1] == status, answer[:200]
    assert b"application/problem+json" in answer


def test_declared_length_over_the_limit_is_refused_unread(api: httpx.Client) -> None:
    r = api.post("/v1/complaints/batch", content=b"{" + b" " * 2000 + b"}", headers=INGEST)
    assert r.status_code == 413 and problem_code(r) == "too_large"


def test_times_must_be_rfc3339_with_offset(settings: Settings) -> None:
    with serving(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        for value in (1700000000, "1700000000", "2026-11-20T09:12:00", "2026-11-20"):
            r = client.post(
                "/v1/complaints", json=complaint_payload(order__paid_at=value), headers=INGEST
            )
            assert r.status_code == 422, (value, r.text)
            assert r.json()["errors"] == [
                {
                    "path": "order.paid_at",
                    "rule": "rfc3339_required",
                    "message": "must be an RFC 3339 time with offset, "
                    "like 2026-11-29T10:00:00+08:00",
                }
            ]


def test_body_complaint_id_must_match_the_path(
    api: httpx.Client, settings: Settings, forwarded: str
) -> None:
    other = "11111111-1111-1111-1111-111111111111"
    before = events(settings, forwarded)
    r = post_action(api, forwarded, action(other, "buyer.withdraw", "b_10293"), BUYER)
    assert r.status_code == 422 and problem_code(r) == "invalid"
    [error] = r.json()["errors"]
    assert error["path"] == "complaint_id" and error["rule"] == "complaint_id_mismatch"
    assert other in error["message"] and forwarded in error["message"]
    assert events(settings, forwarded) == before
    with psycopg.connect(settings.database_url) as conn:
        status = conn.execute("SELECT status FROM complaints WHERE id = %s", (forwarded,))
        assert status.fetchone() == ("awaiting_merchant",)


def test_an_action_key_belongs_to_one_caller_and_one_request(
    api: httpx.Client, settings: Settings, forwarded: str
) -> None:
    message = action(
        forwarded, "merchant.message", "m_552", text="we will check", idempotency_key="1"
    )
    first = post_action(api, forwarded, message, MERCHANT)
    assert first.status_code == 200 and first.json()["outcome"] == "applied"
    assert "idempotent-replayed" not in first.headers
    again = post_action(api, forwarded, message, MERCHANT)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == {**first.json(), "outcome": "replayed"}

    changed = post_action(api, forwarded, {**message, "text": "something else"}, MERCHANT)
    assert changed.status_code == 409 and problem_code(changed) == "idempotency_key_reused"
    assert [e["path"] for e in changed.json()["errors"]] == ["text"]

    with serving(settings) as url:
        other_id = httpx.post(
            f"{url}/v1/complaints",
            json=complaint_payload(external_id="c-2", order__order_id="o_2"),
            headers=INGEST,
        ).json()["id"]
    with bound(settings):
        drain_outbox(settings)
    elsewhere = post_action(api, other_id, {**message, "complaint_id": other_id}, MERCHANT)
    assert elsewhere.status_code == 409 and problem_code(elsewhere) == "idempotency_key_reused"
    assert [e["path"] for e in elsewhere.json()["errors"]] == ["complaint_id"]

    # Another caller's key "1" is its own.
    theirs = post_action(api, other_id, {**message, "complaint_id": other_id}, ALL)
    assert theirs.status_code == 200 and theirs.json()["outcome"] == "applied"
    assert events(settings, forwarded).count("merchant.message") == 1
    assert events(settings, other_id).count("merchant.message") == 1


def test_racing_actions_on_one_complaint_apply_once(
    api: httpx.Client, settings: Settings, forwarded: str
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    offers = [
        action(forwarded, "merchant.accept", "m_552", remedy={"type": "refund", "amount_cents": n})
        for n in range(100, 1700, 100)
    ]
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda a: post_action(api, forwarded, a, MERCHANT), offers))
    assert sorted(r.status_code for r in answers) == [200] + [409] * 15
    assert {problem_code(r) for r in answers if r.status_code == 409} == {"not_allowed_now"}
    assert events(settings, forwarded).count("merchant.accept") == 1


def test_an_unexpected_error_is_a_counted_problem_without_internals(
    api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prometheus_client import REGISTRY

    from pipeline.api import complaint_routes

    def broken(*_: Any) -> Any:
        raise RuntimeError("secret internals: password=hunter2")

    counted = "complaints_api_unhandled_errors_total"
    before = REGISTRY.get_sample_value(counted, {"method": "GET"}) or 0.0
    monkeypatch.setattr(complaint_routes, "complaint_view", broken)
    r = api.get("/v1/complaints/00000000-0000-0000-0000-000000000000", headers=READ)
    assert r.status_code == 500 and problem_code(r) == "internal"
    assert r.json()["request_id"] == r.headers["x-request-id"]
    assert "hunter2" not in r.text and "RuntimeError" not in r.text
    assert REGISTRY.get_sample_value(counted, {"method": "GET"}) == before + 1


def test_an_evidence_store_outage_is_503_and_changes_nothing(
    settings: Settings, forwarded: str
) -> None:
    dispute = action(
        forwarded,
        "merchant.dispute",
        "m_552",
        text="the buyer's photo shows another product",
        evidence=[
            {
                "key": "evidence/m_552/defence.jpg",
                "kind": "photo",
                "content_type": "image/jpeg",
                "size": len(JPEG),
                "sha256": "0" * 64,
            }
        ],
    )
    before = events(settings, forwarded)
    with serving(settings, s3_bucket="no-such-bucket-for-this-test") as url:
        r = httpx.post(
            f"{url}/v1/complaints/{forwarded}/actions", json=dispute, headers=MERCHANT, timeout=30
        )
    assert r.status_code == 503 and problem_code(r) == "unavailable"
    assert r.headers["retry-after"] and "evidence store" in r.json()["detail"]
    assert events(settings, forwarded) == before
