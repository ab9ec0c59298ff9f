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
from pipeline.db.queries import q

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
    params = {"name": name, "digest": digest(secret), "scopes": sorted(scopes)}
    if conn.execute(q("create_api_client"), params).fetchone() is None:
        raise ValueError(f"a client named {name} exists (rotate its secret instead)")
    return secret


def rotate(conn: Connection[Any], name: str) -> str:
    secret = new_secret()
    if conn.execute(q("rotate_api_client"), {"name": name, "digest": digest(secret)}).fetchone():
        return secret
    raise ValueError(f"no enabled client named {name}")


def revoke(conn: Connection[Any], name: str) -> None:
    if conn.execute(q("revoke_api_client"), {"name": name}).fetchone() is None:
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
            row = conn.execute(q("api_client_by_secret"), {"digest": key}).fetchone()
            caller = None
            if row is not None and row["enabled"]:
                caller = Caller(f"client:{row['name']}", frozenset(row["scopes"]))
                conn.execute(q("touch_api_client"), {"name": row["name"]})
        if caller is not None:
            with self._lock:
                if len(self._cache) >= CACHE_MAX:
                    self._cache.clear()
                self._cache[key] = (time.monotonic(), caller)
        return caller
