"""API clients: named callers with a secret shown once (only its SHA-256 is kept), scopes
and an enabled flag, in PostgreSQL; managed by `complaints clients`.

The gateway looks a presented secret up by its digest and keeps the answer for
`cache_seconds` (a revocation takes effect within that time), so a busy client costs no
query per request; `last_used_at` is written when the cache is refreshed."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from typing import Any

from psycopg import Connection
from psycopg_pool import ConnectionPool

from pipeline.api.caller import SCOPES, Caller
from pipeline.db import api_clients

#: Clients kept in the cache at most (only found ones are kept: unknown secrets are not).
CACHE_MAX = 10_000
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
SECRET_PREFIX = "cc_"


def digest(secret: str) -> str:
    # Secrets are 256 random bits, not passwords: a plain SHA-256 cannot be reversed.
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def check_new(name: str, scopes: frozenset[str]) -> None:
    if not NAME.match(name):
        raise ValueError("a client name is 1-63 of a-z, 0-9 and -, starting with a letter or digit")
    if not scopes or not scopes <= SCOPES:
        raise ValueError(f"scopes must be among {', '.join(sorted(SCOPES))}")


def create(conn: Connection[Any], name: str, scopes: frozenset[str]) -> str:
    """A new client's secret (shown once); ValueError when the name is taken or invalid."""
    check_new(name, scopes)
    secret = new_secret()
    if not api_clients.create(conn, name, digest(secret), sorted(scopes)):
        raise ValueError(f"a client named {name} exists (rotate its secret instead)")
    return secret


def rotate(conn: Connection[Any], name: str) -> str:
    secret = new_secret()
    if api_clients.rotate(conn, name, digest(secret)):
        return secret
    raise ValueError(f"no enabled client named {name}")


def revoke(conn: Connection[Any], name: str) -> None:
    if not api_clients.revoke(conn, name):
        raise ValueError(f"no client named {name}")


class ClientDirectory:
    def __init__(self, pool: ConnectionPool[Any], cache_seconds: float) -> None:
        self.pool = pool
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Caller]] = {}
        self._lock = threading.Lock()

    def lookup(self, secret: str) -> Caller | None:
        """The enabled client with this secret, or None. Blocking: call off the event loop."""
        key = digest(secret)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < self.cache_seconds:
            return cached[1]
        with self.pool.connection() as conn:
            found = api_clients.by_secret(conn, key)
            caller = None
            if found is not None and found.enabled:
                caller = Caller(f"client:{found.name}", frozenset(found.scopes))
                api_clients.touch(conn, found.name)
        if caller is not None:
            with self._lock:
                if len(self._cache) >= CACHE_MAX:
                    self._cache.clear()
                self._cache[key] = (time.monotonic(), caller)
        return caller
