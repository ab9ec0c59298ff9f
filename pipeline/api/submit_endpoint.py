"""`POST /v1/complaints`: the one implementation, plain ASGI ahead of FastAPI's router.

Single submissions are the gateway's hottest path, and FastAPI's routing, dependency solving
and response building cost more CPU per request than the submission itself (measured in
docs/performance.md). So this class answers it, and `document` writes its OpenAPI operation
from the same declarations it validates and answers with (ComplaintV1, the Idempotency-Key
header, Accepted, the problem statuses). `Authenticate` has named the caller before the body
is read; the complaint goes to the group commit (group_commit.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from pydantic.json_schema import models_json_schema
from starlette.types import ASGIApp, Receive, Scope, Send

from pipeline.api.auth import bearer, ensure_scope
from pipeline.api.caller import Caller
from pipeline.api.errors import documented, reply_for, send_problem
from pipeline.api.problems import Problem, ProblemReply, invalid_fields
from pipeline.api.request_context import send_json
from pipeline.domain.text import text
from schemas.action import InvalidMessage
from schemas.complaint import ComplaintV1, field_errors

PATH = "/v1/complaints"
KEY_HEADER = "idempotency-key"
KEY_RULE = TypeAdapter(Annotated[str | None, Field(min_length=1, max_length=200)])
ERRORS = (400, 401, 403, 409, 413, 415, 422, 429)
DESCRIPTION = (
    "Accept one complaint: durable (committed with its outbox row) when this answers 202.\n"
    "A repeat with the same Idempotency-Key or (source, external_id) returns the original.\n"
    "Concurrent submissions are committed together (group commit)."
)


class Accepted(BaseModel):
    id: str
    status: str
    outcome: Literal["accepted", "replayed"]


async def accept_one(state: Any, complaint: ComplaintV1, idempotency_key: str | None) -> Accepted:
    """Group-commit one complaint; raises Overloaded, InvalidMessage or a 409."""
    if state.backlog.claim_refresh():
        await run_in_threadpool(state.backlog.refresh)
    state.backlog.refuse_if_over()
    result = await state.group_commit.accept(complaint, idempotency_key)
    if result.outcome == "invalid":
        raise InvalidMessage(list(result.errors))
    if result.outcome == "conflict":
        raise HTTPException(409, text("conflicts with complaint {id}", id=result.complaint_id))
    return Accepted(
        id=result.complaint_id, status=result.status or "in_review", outcome=result.outcome
    )


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


def _idempotency_key(value: bytes | None) -> str | None:
    try:
        return KEY_RULE.validate_python(None if value is None else value.decode("latin-1"))
    except ValidationError as exc:
        errors = [{**e, "path": f"header.{KEY_HEADER}"} for e in field_errors(exc)]
        raise _Refused(invalid_fields(errors)) from None


def _parse(body: bytes) -> ComplaintV1:
    if not body:
        raise _Refused(
            invalid_fields([{"path": "$", "rule": "missing", "message": "Field required"}])
        )
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
        key = _idempotency_key(headers.get(KEY_HEADER.encode()))
        complaint = _parse(await read_body(receive))
        accepted = await accept_one(state, complaint, key)
        replayed = {"Idempotent-Replayed": "true"} if accepted.outcome == "replayed" else {}
        return 202, accepted.model_dump(), replayed


def document(openapi: dict[str, Any]) -> dict[str, Any]:
    """The gateway's OpenAPI document with this endpoint's operation (FastAPI describes only
    its router's routes), its schemas from the models the endpoint parses and answers."""
    refs, defs = models_json_schema(
        [(ComplaintV1, "validation"), (Accepted, "serialization"), (Problem, "serialization")],
        by_alias=True,
        ref_template="#/components/schemas/{model}",
    )
    components = openapi.setdefault("components", {})
    for name, schema in defs.get("$defs", {}).items():
        components.setdefault("schemas", {}).setdefault(name, schema)
    security = components.setdefault("securitySchemes", {})
    security.setdefault(
        bearer.scheme_name, bearer.model.model_dump(by_alias=True, exclude_none=True)
    )
    key_schema = {**KEY_RULE.json_schema(), "title": "Idempotency-Key"}
    openapi.setdefault("paths", {}).setdefault(PATH, {})["post"] = {
        "summary": "Submit",
        "description": DESCRIPTION,
        "operationId": "submit_v1_complaints_post",
        "parameters": [
            {"in": "header", "name": KEY_HEADER, "required": False, "schema": key_schema}
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": refs[(ComplaintV1, "validation")]}},
        },
        "responses": {
            "202": {
                "description": "Successful Response",
                "content": {"application/json": {"schema": refs[(Accepted, "serialization")]}},
            },
            **{str(s): {"description": r["description"]} for s, r in documented(*ERRORS).items()},
        },
        "security": [{bearer.scheme_name: []}],
    }
    return openapi
