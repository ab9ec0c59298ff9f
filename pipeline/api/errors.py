"""How each exception a request may raise is answered, as problem details (problems.py).

The FastAPI exception handlers, the plain ASGI submit endpoint and the request middleware
all answer through `reply_for` and `send_problem`, so every path gives the same shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import psycopg_pool
import redis
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from pipeline.adapters.evidence_store import EvidenceStoreUnavailable
from pipeline.api.problems import (
    MEDIA_TYPE,
    Problem,
    ProblemReply,
    invalid_fields,
    problem,
)
from pipeline.db.json_rows import dumps
from pipeline.domain.errors import ActionRefused, IdempotencyConflict, NotFound
from pipeline.domain.text import Text, text
from pipeline.i18n import negotiate
from schemas.action import InvalidMessage

#: Seconds a caller should wait when a dependency is down.
UNAVAILABLE_RETRY_AFTER = 2


class Overloaded(Exception):
    def __init__(self, backlog: int, retry_after: int) -> None:
        self.backlog, self.retry_after = backlog, retry_after
        super().__init__(f"intake backlog {backlog} is over the limit")


class Unavailable(Exception):
    """A dependency this request needs does not answer (named in the message)."""


def request_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        out.append(
            {
                "path": ".".join(loc) or "$",
                "rule": str(err.get("type")),
                "message": str(err.get("msg")),
            }
        )
    return out


#: Action refusals that are not conflicts with the complaint's state.
_REFUSAL_STATUS = {
    "not_your_complaint": 403,
    "actor_not_caller": 403,
    "grant_required": 403,
    "four_eyes": 403,
    "appeal_needs_other_staff": 403,
    "not_found": 404,
}


def _action_refused(exc: ActionRefused) -> ProblemReply:
    status = _REFUSAL_STATUS.get(exc.code, 409)
    return problem(status, exc.message, code=exc.code, allowed=exc.allowed or None)


def _http_error(exc: StarletteHTTPException) -> ProblemReply:
    detail = exc.detail if isinstance(exc.detail, Text) else str(exc.detail)
    return problem(exc.status_code, detail, headers=dict(exc.headers or {}))


def _message(exc: Exception) -> str | Text:
    """The sentence an error was raised with (a Text is translated where it is shown)."""
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, Text) else str(exc)


def _unavailable(sentence: Text) -> Callable[[Exception], ProblemReply]:
    retry = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER)}
    return lambda exc: problem(503, sentence, headers=retry)


DATABASE_DOWN = text("the database is unavailable")
BROKER_DOWN = text("the message broker is unavailable")


REPLIES: dict[type[Exception], Callable[[Any], ProblemReply]] = {
    RequestValidationError: lambda exc: invalid_fields(request_errors(exc)),
    InvalidMessage: lambda exc: invalid_fields(exc.errors),
    NotFound: lambda exc: problem(404, _message(exc)),
    ActionRefused: _action_refused,
    IdempotencyConflict: lambda exc: problem(
        409, exc.message, code="idempotency_key_reused", errors=exc.differences
    ),
    Overloaded: lambda exc: problem(
        429,
        text("intake backlog {backlog} is over the limit", backlog=exc.backlog),
        headers={"Retry-After": str(exc.retry_after)},
    ),
    Unavailable: lambda exc: problem(
        503, _message(exc), headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER)}
    ),
    EvidenceStoreUnavailable: _unavailable(text("the evidence store is unavailable")),
    psycopg.OperationalError: _unavailable(DATABASE_DOWN),
    psycopg_pool.PoolTimeout: _unavailable(DATABASE_DOWN),
    redis.ConnectionError: _unavailable(BROKER_DOWN),
    redis.TimeoutError: _unavailable(BROKER_DOWN),
    StarletteHTTPException: _http_error,
    RecursionError: lambda _: problem(400, text("the body is nested too deeply")),
}


def reply_for(exc: Exception) -> ProblemReply | None:
    """The reply for an exception a request may raise, or None for one that is a bug."""
    for kind in type(exc).__mro__:
        if kind in REPLIES:
            return REPLIES[kind](exc)
    return None


def request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value else None


def problem_body(reply: ProblemReply, accept_language: str | None) -> dict[str, Any]:
    return reply.body(negotiate(accept_language), request_id())


async def send_problem(send: Send, reply: ProblemReply, accept_language: str | None) -> None:
    """Answer with problem details straight over ASGI."""
    data = dumps(problem_body(reply, accept_language))
    raw = [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(data)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()]
    await send({"type": "http.response.start", "status": reply.status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


def install(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        reply = reply_for(exc)
        assert reply is not None  # registered only for the types in REPLIES
        body = problem_body(reply, request.headers.get("accept-language"))
        return JSONResponse(
            body, status_code=reply.status, headers=reply.headers, media_type=MEDIA_TYPE
        )

    for kind in REPLIES:
        app.add_exception_handler(kind, handle)


DESCRIPTIONS = {
    400: "Malformed JSON",
    401: "Missing or unknown bearer token",
    403: "Token lacks the scope, or the actor is not a party to the complaint",
    404: "No such complaint",
    409: "Conflict: refused action or idempotency conflict",
    413: "Body over the size limit",
    415: "The body is not JSON",
    422: "Invalid fields (path and rule for each)",
    429: "Intake backlog over the limit; see Retry-After",
    500: "Internal error (the request id lets operators find it)",
    503: "A dependency is down; see Retry-After",
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses: problem details for each status (and 500/503, which any may give)."""
    every = sorted({*statuses, 500, 503})
    return {s: {"model": Problem, "description": DESCRIPTIONS[s]} for s in every}
