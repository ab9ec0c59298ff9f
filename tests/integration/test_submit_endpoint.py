"""`POST /v1/complaints` (SubmitEndpoint, plain ASGI) on a real server: the status of each
answer for accepted, replayed, conflicting, invalid, malformed and unauthorised submissions,
problem details naming the fields, and the token checked before the body is read."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pipeline.settings import Settings
from tests.api_server import serving
from tests.factories import complaint_payload

pytestmark = pytest.mark.integration

INGEST = "Bearer ingest-token-0123456789"
READER = "Bearer reader-token-0123456789"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SHOWN_HEADERS = (
    "content-type",
    "idempotent-replayed",
    "www-authenticate",
    "retry-after",
    "x-request-id",
)

Request = tuple[dict[str, str], bytes]

STATUSES = {
    **{"accepted": 202, "replayed": 202, "conflict": 409, "keyed": 202, "key reused": 409},
    **{"empty key": 422, "long key": 422, "fields": 422, "unknown field": 422},
    **{"wrong type": 422, "evidence kind": 422, "not an object": 422},
    **{"malformed": 400, "too deep": 400},
    **{"no token": 401, "unknown token": 401, "other scheme": 401, "lacks scope": 403},
}


def _json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def _requests(source: str) -> list[tuple[str, Request]]:
    """The same conversation for either server; `source` keeps their complaints apart."""

    def payload(n: int, **overrides: Any) -> dict[str, Any]:
        return complaint_payload(source=source, external_id=f"{source}-{n}", **overrides)

    base = {"Authorization": INGEST, "Content-Type": "application/json"}
    key = f"key-{source}"
    deep = b"[" * 5000 + b"]" * 5000
    return [
        ("accepted", (base, _json(payload(1)))),
        ("replayed", (base, _json(payload(1)))),
        ("conflict", (base, _json(payload(1, title="changed")))),
        ("keyed", ({**base, "Idempotency-Key": key}, _json(payload(2)))),
        ("key reused", ({**base, "Idempotency-Key": key}, _json(payload(3)))),
        ("empty key", ({**base, "Idempotency-Key": ""}, _json(payload(4)))),
        ("long key", ({**base, "Idempotency-Key": "k" * 201}, _json(payload(5)))),
        ("fields", (base, _json(payload(6, title="", claimed_amount_cents=-1)))),
        ("unknown field", (base, _json({**payload(7), "extra": 1}))),
        ("wrong type", (base, _json({**payload(8), "claimed_amount_cents": "12900"}))),
        ("evidence kind", (base, _json(payload(9, evidence=[{"kind": "photo"}])))),
        ("not an object", (base, b"[1, 2]")),
        ("malformed", (base, b'{"schema": ')),
        ("too deep", (base, deep)),
        ("no token", ({"Content-Type": "application/json"}, _json(payload(10)))),
        ("unknown token", ({**base, "Authorization": "Bearer nope-0123456789abcdef"}, b"{}")),
        ("other scheme", ({**base, "Authorization": "Basic " + "x" * 20}, b"{}")),
        ("lacks scope", ({**base, "Authorization": READER}, _json(payload(11)))),
    ]


def _conversation(url: str, source: str) -> dict[str, tuple[int, Any, dict[str, str]]]:
    answers = {}
    with httpx.Client(base_url=url, timeout=30) as client:
        for name, (headers, body) in _requests(source):
            request_id = "req-" + name.replace(" ", "-")
            r = client.post(
                "/v1/complaints", content=body, headers={**headers, "X-Request-ID": request_id}
            )
            masked = json.loads(UUID.sub("<id>", r.text).replace(source, "<source>"))
            shown = {h: r.headers[h] for h in SHOWN_HEADERS if h in r.headers}
            answers[name] = (r.status_code, masked, shown)
    return answers


def test_each_submission_gets_its_documented_answer(settings: Settings) -> None:
    with serving(settings) as url:
        answers = _conversation(url, "src-one-path")
    assert {name: answer[0] for name, answer in answers.items()} == STATUSES
    for name, (status, body, headers) in answers.items():
        assert headers["x-request-id"] == "req-" + name.replace(" ", "-"), name
        if status == 202:
            assert headers["content-type"] == "application/json", name
            assert body["outcome"] == ("replayed" if name == "replayed" else "accepted"), name
            assert ("idempotent-replayed" in headers) == (name == "replayed"), name
        else:
            assert headers["content-type"] == "application/problem+json", name
            assert body["status"] == status and body["type"].startswith("/problems/"), name
    assert answers["replayed"][1]["id"] == answers["accepted"][1]["id"]
    assert [e["path"] for e in answers["long key"][1]["errors"]] == ["header.idempotency-key"]
    assert [e["rule"] for e in answers["empty key"][1]["errors"]] == ["string_too_short"]
    assert {e["path"] for e in answers["fields"][1]["errors"]} == {"title", "claimed_amount_cents"}
    assert [e["path"] for e in answers["unknown field"][1]["errors"]] == ["extra"]
    assert (
        answers["key reused"][1]["type"] == answers["conflict"][1]["type"] == "/problems/conflict"
    )
    assert answers["no token"][2]["www-authenticate"].startswith("Bearer")


def test_the_token_is_checked_before_the_body_is_read(settings: Settings) -> None:
    bad: Callable[[str], httpx.Response]
    with serving(settings) as url, httpx.Client(base_url=url, timeout=30) as c:

        def bad(auth: str) -> httpx.Response:
            headers = {"Authorization": auth, "Content-Type": "application/json"}
            return c.post("/v1/complaints", content=b"{", headers=headers)

        assert bad("Bearer unknown-0123456789abcdef").status_code == 401
        assert bad(READER).status_code == 403  # the scope, before the malformed body
        assert bad(INGEST).status_code == 400
