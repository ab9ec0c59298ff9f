"""`POST /v1/complaints` answered as plain ASGI, ahead of FastAPI's router.

Single submissions are the gateway's hottest path, and FastAPI's routing, dependency solving
and response building cost more CPU per request than the submission itself (py-spy under 32
clients: about half of each uvicorn process). This class answers the same contract: the
route in routes.py stays its OpenAPI document, both accept through `routes.accept_one`, and
both answer errors through `errors.REPLIES`. The body is parsed and validated in one
pydantic call. `Authenticate` has named the caller before the body is read."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from pipeline.api.auth import ensure_scope
from pipeline.api.caller import Caller
from pipeline.api.errors import reply_for, send_problem
from pipeline.api.problems import ProblemReply, invalid_fields
from pipeline.api.request_context import send_json
from pipeline.api.routes import IDEMPOTENCY_KEY_MAX, accept_one
from schemas.complaint import ComplaintV1, field_errors

PATH = "/v1/complaints"
KEY_PATH = "header.idempotency-key"


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


class _Refused(Exception):
    def __init__(self, reply: ProblemReply) -> None:
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


def _parse(body: bytes) -> ComplaintV1:
    if not body:
        raise _field_error("$", "missing", "Field required")
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
            language = dict(scope["headers"]).get(b"accept-language", b"").decode("latin-1")
            await send_problem(send, reply, language)
            return
        await send_json(send, status, body, headers)

    async def _accept(self, scope: Scope, receive: Receive) -> tuple[int, Any, dict[str, str]]:
        state = scope["app"].state
        headers = dict(scope["headers"])
        caller = scope["caller"]
        assert isinstance(caller, Caller), "Authenticate runs first"
        ensure_scope(caller, "ingest")
        key = _idempotency_key(headers.get(b"idempotency-key"))
        complaint = _parse(await read_body(receive))
        accepted = await accept_one(state, complaint, key)
        replayed = {"Idempotent-Replayed": "true"} if accepted.outcome == "replayed" else {}
        return 202, accepted.model_dump(), replayed
