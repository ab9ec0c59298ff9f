"""Error bodies: every failing field's path and rule; documented for the OpenAPI contract."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.domain.errors import ActionRefused, NotFound
from schemas.action import InvalidMessage


class FieldError(BaseModel):
    path: str
    rule: str
    message: str


class ErrorBody(BaseModel):
    error: str
    message: str = ""
    errors: list[FieldError] = []
    allowed: dict[str, list[str]] = {}


class Overloaded(Exception):
    def __init__(self, backlog: int, retry_after: int) -> None:
        self.backlog, self.retry_after = backlog, retry_after
        super().__init__(f"intake backlog {backlog} is over the limit")


#: Error names for plain HTTP statuses.
HTTP_ERROR_NAMES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "not_allowed",
    409: "conflict",
    413: "too_large",
    429: "overloaded",
}


@dataclass(frozen=True)
class ErrorReply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def error_reply(
    status: int, error: str, message: str = "", headers: dict[str, str] | None = None, **extra: Any
) -> ErrorReply:
    body = ErrorBody(error=error, message=message, **extra).model_dump()
    return ErrorReply(status, body, headers or {})


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


def invalid_fields(errors: list[dict[str, Any]]) -> ErrorReply:
    """400 when the body is not JSON at all, else 422 naming every field and rule."""
    if any(e["rule"] == "json_invalid" for e in errors):
        return error_reply(400, "malformed_json", "the body is not valid JSON")
    return error_reply(422, "invalid", "see errors", errors=errors)


def _action_refused(exc: ActionRefused) -> ErrorReply:
    status = 403 if exc.code == "not_your_complaint" else (404 if exc.code == "not_found" else 409)
    return error_reply(status, exc.code, str(exc), allowed=exc.allowed)


def _http_error(exc: StarletteHTTPException) -> ErrorReply:
    name = HTTP_ERROR_NAMES.get(exc.status_code, "error")
    return error_reply(exc.status_code, name, str(exc.detail), headers=dict(exc.headers or {}))


#: How each exception the routes raise is answered; the FastAPI handlers and the plain ASGI
#: submit endpoint both answer through this table.
REPLIES: dict[type[Exception], Callable[[Any], ErrorReply]] = {
    RequestValidationError: lambda exc: invalid_fields(request_errors(exc)),
    InvalidMessage: lambda exc: error_reply(422, "invalid", "see errors", errors=exc.errors),
    NotFound: lambda exc: error_reply(404, "not_found", str(exc)),
    ActionRefused: _action_refused,
    Overloaded: lambda exc: error_reply(
        429, "overloaded", str(exc), headers={"Retry-After": str(exc.retry_after)}
    ),
    StarletteHTTPException: _http_error,
    RecursionError: lambda _: error_reply(400, "malformed_json", "the body is nested too deeply"),
}


def reply_for(exc: Exception) -> ErrorReply | None:
    """The reply for an exception a route may raise, or None for one that is a bug."""
    for kind in type(exc).__mro__:
        if kind in REPLIES:
            return REPLIES[kind](exc)
    return None


def install(app: FastAPI) -> None:
    async def handle(_: Request, exc: Exception) -> JSONResponse:
        reply = reply_for(exc)
        assert reply is not None  # registered only for the types in REPLIES
        return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)

    for kind in REPLIES:
        app.add_exception_handler(kind, handle)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    text = {
        400: "Malformed JSON",
        401: "Missing or unknown bearer token",
        403: "Token lacks the scope, or the actor is not a party to the complaint",
        404: "No such complaint",
        409: "Conflict: refused action or idempotency conflict",
        413: "Body over the size limit",
        422: "Invalid fields (path and rule for each)",
        429: "Intake backlog over the limit; see Retry-After",
        503: "A dependency is down",
    }
    return {s: {"model": ErrorBody, "description": text[s]} for s in statuses}
