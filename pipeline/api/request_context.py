"""Per-request ASGI middleware, outermost: request id and log context, body limits, the
answer to anything unexpected, Server-Timing.

A plain ASGI class rather than `@app.middleware("http")`: Starlette's BaseHTTPMiddleware
wraps every request in extra tasks and streams, a cost paid on the hot ingestion path."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.api.errors import send_problem
from pipeline.api.problems import problem
from pipeline.db.json_rows import dumps
from pipeline.domain.text import text
from pipeline.logging import get_logger

log = get_logger("pipeline.api")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")
#: Methods whose body, when there is one, must be JSON.
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, text("body over {limit} bytes", limit=limit))


def is_json(content_type: bytes | None) -> bool:
    """JSON or a `+json` type; a missing Content-Type is taken as JSON."""
    if content_type is None:
        return True
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or (
        media.startswith(b"application/") and media.endswith(b"+json")
    )


def _failures() -> Any:
    from pipeline.metrics import families

    return families()["api_unhandled"]


class RequestContext:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        offered = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex
        # Bound here, not in dependencies: middleware cannot see their context vars.
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id, path=scope["path"], method=scope["method"]
        )
        language = headers.get(b"accept-language", b"").decode("latin-1")
        started = time.perf_counter()
        answered = False

        async def send_tagged(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = True
                elapsed = (time.perf_counter() - started) * 1000
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                    (b"server-timing", f"app;dur={elapsed:.1f}".encode()),
                ]
            await send(message)

        refusal = self._refusal(scope["method"], headers)
        if refusal is not None:
            await send_problem(send_tagged, refusal, language)
            return
        try:
            await self.app(scope, self._limited(receive), send_tagged)
        except Exception:
            log.exception("unhandled error")
            _failures().labels(scope["method"]).inc()
            if answered:
                raise
            await send_problem(send_tagged, problem(500, text("an unexpected error")), language)

    def _refusal(self, method: str, headers: dict[bytes, bytes]) -> Any:
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            return problem(413, text("body over {limit} bytes", limit=self.max_body_bytes))
        has_body = (length is not None and length != b"0") or b"transfer-encoding" in headers
        if method in _WITH_BODY and has_body and not is_json(headers.get(b"content-type")):
            return problem(415, text("the body must be application/json"))
        return None

    def _limited(self, receive: Receive) -> Receive:
        """`receive` that stops at the limit whatever the framing (chunked bodies too)."""
        limit, seen = self.max_body_bytes, 0

        async def receive_limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        return receive_limited


async def send_json(
    send: Send, status: int, body: Any, headers: dict[str, str] | None = None
) -> None:
    """Answer with a JSON body straight over ASGI."""
    data = dumps(body)
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})
