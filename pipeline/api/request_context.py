"""Per-request ASGI middleware: log context, body-size limit, Server-Timing.

A plain ASGI class rather than `@app.middleware("http")`: Starlette's BaseHTTPMiddleware
wraps every request in extra tasks and streams, a cost paid on the hot ingestion path."""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.api.errors import error_reply
from pipeline.db.json_rows import dumps


class RequestContext:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        # Bound here, not in dependencies: middleware cannot see their context vars.
        structlog.contextvars.clear_contextvars()
        request_id = headers.get(b"x-request-id", b"").decode("latin-1") or uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(
            request_id=request_id, path=scope["path"], method=scope["method"]
        )
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            await self._too_large(send)
            return
        started = time.perf_counter()

        async def send_timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = (time.perf_counter() - started) * 1000
                message["headers"] = [
                    *message.get("headers", []),
                    (b"server-timing", f"app;dur={elapsed:.1f}".encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_timed)

    async def _too_large(self, send: Send) -> None:
        body = error_reply(413, "too_large", f"body over {self.max_body_bytes} bytes").body
        await send_json(send, 413, body)


async def send_json(
    send: Send, status: int, body: Any, headers: dict[str, str] | None = None
) -> None:
    """Answer with a JSON body straight over ASGI."""
    data = dumps(body)
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})
