"""Who is calling: bearer tokens with scopes (`ingest`, `read`, `act:buyer`, `act:merchant`,
`act:platform`), checked by `Authenticate` before any route runs or any body is read."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from starlette.types import ASGIApp, Receive, Scope, Send

from pipeline.api.caller import SCOPES, Caller
from pipeline.api.clients import ClientDirectory
from pipeline.api.errors import reply_for, send_problem
from pipeline.api.party_tokens import PartyTokenError, PartyTokens
from pipeline.domain.text import Text, text

#: Paths that need a caller; the probes and metrics do not.
PROTECTED_PREFIX = "/v1/"

bearer = HTTPBearer(auto_error=False, description="Bearer token; scopes from settings")


def parse_tokens(spec: str) -> dict[str, Caller]:
    """COMPLAINTS_API_TOKENS: `{"<token>": ["ingest", "read"], …}`, for local runs only;
    elsewhere callers are API clients (`complaints clients create`)."""
    if not spec.strip():
        return {}
    try:
        raw = json.loads(spec)
        tokens = {str(t): frozenset(scopes) for t, scopes in raw.items()}
    except (ValueError, AttributeError, TypeError):
        raise ValueError('COMPLAINTS_API_TOKENS must be JSON like {"token": ["ingest"]}') from None
    for token, scopes in tokens.items():
        unknown = scopes - SCOPES
        if unknown or len(token) < 16:
            raise ValueError(
                f"COMPLAINTS_API_TOKENS: tokens need 16+ characters and known scopes "
                f"({', '.join(sorted(SCOPES))}); got unknown {sorted(unknown)}"
            )
    # Named by a digest prefix: the name is stored and logged, the token never is.
    return {
        t: Caller(f"token:{hashlib.sha256(t.encode()).hexdigest()[:16]}", s)
        for t, s in tokens.items()
    }


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, as HTTPBearer reads it."""
    scheme, token = get_authorization_scheme_param(authorization)
    if not (authorization and scheme and token) or scheme.lower() != "bearer":
        return None
    return token


def _unauthorised(detail: Text) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


async def authenticate(
    tokens: dict[str, Caller],
    party: PartyTokens | None,
    clients: ClientDirectory | None,
    authorization: str | None,
) -> Caller:
    """The caller presenting this Authorization header: a local token, a person's party token
    (a JWT) or an API client's secret; 401 when none, an unknown one, or one that does not
    verify."""
    token = bearer_token(authorization)
    if token is None:
        raise _unauthorised(text("missing bearer token"))
    for known, caller in tokens.items():
        if hmac.compare_digest(known.encode(), token.encode()):
            return caller
    if token.count(".") == 2:
        if party is None:
            raise _unauthorised(text("party tokens are not accepted here"))
        try:
            return party.verify(token)
        except PartyTokenError as exc:
            raise _unauthorised(exc.args[0]) from None
    if clients is not None:
        found = await run_in_threadpool(clients.lookup, token)
        if found is not None:
            return found
    raise _unauthorised(text("unknown bearer token"))


def ensure_scope(caller: Caller, scope: str) -> None:
    if scope not in caller.scopes:
        raise HTTPException(403, text("token lacks scope {scope}", scope=scope))


class Authenticate:
    """ASGI middleware: the caller of every /v1/ request, in `scope["caller"]`."""

    def __init__(self, app: ASGIApp, tokens: dict[str, Caller], party: PartyTokens | None) -> None:
        self.app = app
        self.tokens = tokens
        self.party = party

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PROTECTED_PREFIX):
            headers = dict(scope["headers"])
            raw = headers.get(b"authorization")
            try:
                header = raw.decode("latin-1") if raw else None
                clients = getattr(scope["app"].state, "clients", None)
                scope["caller"] = await authenticate(self.tokens, self.party, clients, header)
            except HTTPException as exc:
                reply = reply_for(exc)
                assert reply is not None
                language = headers.get(b"accept-language", b"").decode("latin-1")
                await send_problem(send, reply, language)
                return
        await self.app(scope, receive, send)


def caller_of(request: Request) -> Caller:
    caller = request.scope.get("caller")
    assert isinstance(caller, Caller), "Authenticate runs before every /v1/ route"
    return caller


# The HTTPBearer dependency only documents the scheme in OpenAPI; Authenticate checks it.
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def require(
    scope: str,
) -> Callable[[Request, HTTPAuthorizationCredentials | None], Awaitable[Caller]]:
    # async: no I/O here, and a sync dependency would cost a thread hop per request
    async def check(request: Request, _: Credentials) -> Caller:
        caller = caller_of(request)
        ensure_scope(caller, scope)
        return caller

    return check


async def any_scope(request: Request, _: Credentials) -> Caller:
    return caller_of(request)
