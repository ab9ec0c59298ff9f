"""Error bodies: every failing field's path and rule; documented for the OpenAPI contract."""

from __future__ import annotations

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


def _body(status: int, error: str, message: str = "", **extra: Any) -> JSONResponse:
    return JSONResponse(
        ErrorBody(error=error, message=message, **extra).model_dump(), status_code=status
    )


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


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = request_errors(exc)
        if any(e["rule"] == "json_invalid" for e in errors):
            return _body(400, "malformed_json", "the body is not valid JSON")
        return _body(422, "invalid", "see errors", errors=errors)

    @app.exception_handler(InvalidMessage)
    async def invalid_message(_: Request, exc: InvalidMessage) -> JSONResponse:
        return _body(422, "invalid", "see errors", errors=exc.errors)

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return _body(404, "not_found", str(exc))

    @app.exception_handler(ActionRefused)
    async def refused(_: Request, exc: ActionRefused) -> JSONResponse:
        status = (
            403 if exc.code == "not_your_complaint" else (404 if exc.code == "not_found" else 409)
        )
        return _body(status, exc.code, str(exc), allowed=exc.allowed)

    @app.exception_handler(Overloaded)
    async def overloaded(_: Request, exc: Overloaded) -> JSONResponse:
        response = _body(429, "overloaded", str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        names = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "not_allowed",
            409: "conflict",
            413: "too_large",
            429: "overloaded",
        }
        response = _body(exc.status_code, names.get(exc.status_code, "error"), str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RecursionError)
    async def too_deep(_: Request, __: RecursionError) -> JSONResponse:
        return _body(400, "malformed_json", "the body is nested too deeply")


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
