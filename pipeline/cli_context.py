"""What the `complaints` commands start from: the settings from the environment with
logging configured, a database connection (or a plain error saying why there is none),
and for the operations commands a small pool and a Redis client."""

from __future__ import annotations

from typing import Any

import psycopg
import typer

from pipeline.logging import configure_logging
from pipeline.settings import Settings


def command_settings() -> Settings:
    settings = Settings.from_env()
    configure_logging(settings.log_format, settings.log_level)
    return settings


def connect(settings: Settings) -> psycopg.Connection[Any]:
    """A connection, or exit 2 with PostgreSQL's own reason: no traceback, and no pool
    retrying for 30 s before it raises a bare timeout. libpq's message names host, port
    and database, never the password."""
    try:
        return psycopg.connect(settings.database_url, connect_timeout=5)
    except psycopg.OperationalError as exc:
        reason = " ".join(str(exc).split())
        typer.echo(f"error: cannot reach PostgreSQL: {reason}", err=True)
        raise typer.Exit(2) from None


def ops_clients() -> tuple[Settings, Any, Any]:
    import redis

    from pipeline.db.pool import make_pool

    settings = command_settings()
    connect(settings).close()
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:  # its message names host and port, never the password
        typer.echo(f"error: cannot reach Redis: {exc}", err=True)
        raise typer.Exit(2) from None
    pool = make_pool(settings.database_url, 2, name="ops")
    pool.open(wait=True, timeout=30)
    return settings, pool, client
