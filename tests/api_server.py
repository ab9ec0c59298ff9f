"""A real uvicorn server on 127.0.0.1 (free port) serving the gateway for one test."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import uvicorn

from pipeline.api.app import create_app
from pipeline.api.party_tokens import PartyTokens, new_key_set
from pipeline.settings import Settings

TOKENS = {
    "ingest-token-0123456789": ["ingest", "read"],
    "reader-token-0123456789": ["read"],
    "buyer-token-01234567890": ["act:buyer", "read"],
    "merchant-token-012345678": ["act:merchant"],
    "platform-token-01234567": ["act:platform"],
    "all-scopes-token-0123456": ["ingest", "read", "act:buyer", "act:merchant", "act:platform"],
}


#: One key set for the test session: servers verify with it, `as_party` signs with it.
PARTY_JWKS = new_key_set()
PARTY = PartyTokens.from_jwks(PARTY_JWKS, "complaints-local", "complaints-api")


def as_party(role: str, sub: str, *grants: str) -> dict[str, str]:
    """Headers of a person signed in with a party token."""
    return {"Authorization": f"Bearer {PARTY.mint(role, sub, frozenset(grants))}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(settings: Settings, **overrides: object) -> Iterator[str]:
    settings = replace(
        settings,
        api_tokens=json.dumps(TOKENS),
        party_token_jwks=json.dumps(PARTY_JWKS),
        **overrides,  # type: ignore[arg-type]
    )
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_config=None,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def problem_code(response: Any) -> str:
    """The problem type's code of an error answer, after checking it is RFC 9457 shaped."""
    assert response.headers["content-type"] == "application/problem+json", response.text
    body = response.json()
    assert body["status"] == response.status_code, body
    assert body["title"] and isinstance(body["detail"], str), body
    assert body["type"].startswith("/problems/"), body
    return str(body["type"].removeprefix("/problems/"))
