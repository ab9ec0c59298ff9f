"""Bearer tokens with scopes (`ingest`, `read`, `act:buyer`, `act:merchant`, `act:platform`)."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

SCOPES = frozenset({"ingest", "read", "act:buyer", "act:merchant", "act:platform"})

bearer = HTTPBearer(auto_error=False, description="Bearer token; scopes from settings")


def parse_tokens(spec: str) -> dict[str, frozenset[str]]:
    """COMPLAINTS_API_TOKENS: `{"<token>": ["ingest", "read"], …}`."""
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
    return tokens


def token_scopes(tokens: dict[str, frozenset[str]], token: str | None) -> frozenset[str]:
    """The scopes of a presented bearer token; 401 when none or an unknown one."""
    if token is None:
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    for known, scopes in tokens.items():
        if hmac.compare_digest(known.encode(), token.encode()):
            return scopes
    raise HTTPException(401, "unknown bearer token", headers={"WWW-Authenticate": "Bearer"})


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, as HTTPBearer reads it."""
    scheme, token = get_authorization_scheme_param(authorization)
    if not (authorization and scheme and token) or scheme.lower() != "bearer":
        return None
    return token


def ensure_scope(scopes: frozenset[str], scope: str) -> None:
    if scope not in scopes:
        raise HTTPException(403, f"token lacks scope {scope!r}")


def scopes_of(request: Request, credentials: HTTPAuthorizationCredentials | None) -> frozenset[str]:
    token = credentials.credentials if credentials is not None else None
    return token_scopes(request.app.state.tokens, token)


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def require(
    scope: str,
) -> Callable[[Request, HTTPAuthorizationCredentials | None], Awaitable[frozenset[str]]]:
    # async: no I/O here, and a sync dependency would cost a thread hop per request
    async def check(request: Request, credentials: Credentials) -> frozenset[str]:
        scopes = scopes_of(request, credentials)
        ensure_scope(scopes, scope)
        return scopes

    return check


async def any_scope(request: Request, credentials: Credentials) -> frozenset[str]:
    return scopes_of(request, credentials)
