"""API clients' statements (table `api_clients`): machine callers known by the SHA-256 of
their secret (never the secret), created, rotated, revoked, looked up on each call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection

from pipeline.db.gateway import every, one, run


@dataclass(frozen=True)
class ApiClient:
    name: str
    scopes: tuple[str, ...]
    enabled: bool
    created_at: datetime | None = None
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ApiClient:
        return cls(
            name=row["name"],
            scopes=tuple(row["scopes"]),
            enabled=bool(row["enabled"]),
            created_at=row.get("created_at"),
            rotated_at=row.get("rotated_at"),
            revoked_at=row.get("revoked_at"),
            last_used_at=row.get("last_used_at"),
        )


def create(conn: Connection[Any], name: str, digest: str, scopes: list[str]) -> bool:
    """False when the name is taken."""
    params = {"name": name, "digest": digest, "scopes": scopes}
    return one(conn, "create_api_client", params) is not None


def rotate(conn: Connection[Any], name: str, digest: str) -> bool:
    """False when there is no enabled client of that name."""
    return one(conn, "rotate_api_client", {"name": name, "digest": digest}) is not None


def revoke(conn: Connection[Any], name: str) -> bool:
    """False when there is no client of that name."""
    return one(conn, "revoke_api_client", {"name": name}) is not None


def by_secret(conn: Connection[Any], digest: str) -> ApiClient | None:
    row = one(conn, "api_client_by_secret", {"digest": digest})
    return ApiClient.from_row(row) if row else None


def touch(conn: Connection[Any], name: str) -> None:
    """Note the client's use (last_used_at)."""
    run(conn, "touch_api_client", {"name": name})


def listed(conn: Connection[Any]) -> list[ApiClient]:
    """Every client, by name."""
    return [ApiClient.from_row(r) for r in every(conn, "list_api_clients")]
