"""The plain ASGI `POST /v1/complaints` (SubmitEndpoint) answers exactly as the FastAPI
route that documents it: same statuses, bodies and headers for accepted, replayed,
conflicting, invalid, malformed and unauthorised submissions, on real servers."""

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


#: Parsed in one pydantic call, these get pydantic's JSON-mode wording ("model_type: Input
#: should be an object"; "malformed_json" for nesting past its limit) where the router says
#: "model_attributes_type" and, for deep nesting, a bare 400 "error".
WORDED_DIFFERENTLY = {"not an object", "too deep"}


def _status_and_paths(answer: tuple[int, Any, dict[str, str]]) -> tuple[int, list[str]]:
    return answer[0], [e["path"] for e in answer[1].get("errors", [])]


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


def test_submit_endpoint_answers_as_the_documented_route(settings: Settings) -> None:
    with serving(settings, submit_endpoint=False) as url:
        documented = _conversation(url, "src-via-router")
    with serving(settings) as url:
        plain = _conversation(url, "src-via-asgi")
    assert {name: answer[0] for name, answer in documented.items()} == STATUSES
    for name in documented:
        if name in WORDED_DIFFERENTLY:
            assert _status_and_paths(plain[name]) == _status_and_paths(documented[name]), name
        else:
            assert plain[name] == documented[name], name


@pytest.mark.parametrize("submit_endpoint", [True, False])
def test_the_token_is_checked_before_the_body_is_read(
    settings: Settings, submit_endpoint: bool
) -> None:
    bad: Callable[[str], httpx.Response]
    with serving(settings, submit_endpoint) as url, httpx.Client(base_url=url, timeout=30) as c:

        def bad(auth: str) -> httpx.Response:
            headers = {"Authorization": auth, "Content-Type": "application/json"}
            return c.post("/v1/complaints", content=b"{", headers=headers)

        assert bad("Bearer unknown-0123456789abcdef").status_code == 401
        # The router parses the body before its scope dependency runs; the plain path not.
        assert bad(READER).status_code == (403 if submit_endpoint else 400)
        assert bad(INGEST).status_code == 400
