"""`POST /v1/complaints` answered as plain ASGI, ahead of FastAPI's router.

Single submissions are the gateway's hottest path, and FastAPI's routing, dependency solving
and response building cost more CPU per request than the submission itself (py-spy under 32
clients: about half of each uvicorn process). This class answers the same contract: the
route in routes.py stays its OpenAPI document, both accept through `routes.accept_one`, and
both answer errors through `errors.REPLIES`. The body is parsed and validated in one
pydantic call. Auth is checked before the body is read."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from pipeline.api.auth import bearer_token, ensure_scope, token_scopes
from pipeline.api.errors import ErrorReply, invalid_fields, reply_for
from pipeline.api.request_context import send_json
from pipeline.api.routes import IDEMPOTENCY_KEY_MAX, accept_one
from schemas.complaint import ComplaintV1, field_errors

PATH = "/v1/complaints"
KEY_PATH = "header.idempotency-key"
JSON_TYPES = (b"application/json", b"application/", b"+json")


class ClientGone(Exception):
    """The client disconnected before its body arrived."""


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _is_json(content_type: bytes | None) -> bool:
    if content_type is None:
        return True
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == JSON_TYPES[0] or (
        media.startswith(JSON_TYPES[1]) and media.endswith(JSON_TYPES[2])
    )


class _Refused(Exception):
    def __init__(self, reply: ErrorReply) -> None:
        self.reply = reply


def _field_error(path: str, rule: str, message: str) -> _Refused:
    return _Refused(invalid_fields([{"path": path, "rule": rule, "message": message}]))


def _idempotency_key(value: bytes | None) -> str | None:
    if value is None:
        return None
    key = value.decode("latin-1")
    if not key:
        raise _field_error(KEY_PATH, "string_too_short", "String should have at least 1 character")
    if len(key) > IDEMPOTENCY_KEY_MAX:
        message = f"String should have at most {IDEMPOTENCY_KEY_MAX} characters"
        raise _field_error(KEY_PATH, "string_too_long", message)
    return key


def _parse(body: bytes, content_type: bytes | None) -> ComplaintV1:
    if not body:
        raise _field_error("$", "missing", "Field required")
    if not _is_json(content_type):
        raise _field_error("$", "content_type", "the body must be application/json")
    try:
        return ComplaintV1.model_validate_json(body)
    except ValidationError as exc:
        raise _Refused(invalid_fields(field_errors(exc))) from None


class SubmitEndpoint:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            status, body, headers = await self._accept(scope, receive)
        except ClientGone:
            return
        except Exception as exc:
            reply = exc.reply if isinstance(exc, _Refused) else reply_for(exc)
            if reply is None:
                raise
            status, body, headers = reply.status, reply.body, reply.headers
        await send_json(send, status, body, headers)

    async def _accept(self, scope: Scope, receive: Receive) -> tuple[int, Any, dict[str, str]]:
        state = scope["app"].state
        headers = dict(scope["headers"])
        authorization = headers.get(b"authorization")
        token = bearer_token(authorization.decode("latin-1") if authorization else None)
        ensure_scope(token_scopes(state.tokens, token), "ingest")
        key = _idempotency_key(headers.get(b"idempotency-key"))
        complaint = _parse(await read_body(receive), headers.get(b"content-type"))
        accepted = await accept_one(state, complaint, key)
        replayed = {"Idempotent-Replayed": "true"} if accepted.outcome == "replayed" else {}
        return 202, accepted.model_dump(), replayed
