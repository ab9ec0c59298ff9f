"""`complaints clients …`: the API clients that may call the gateway."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from pipeline.cli_context import command_settings, connect
from pipeline.cli_help import MARKUP

clients_app = typer.Typer(
    help="API clients (upstream systems, tools): secrets shown once, scopes, revocation.",
    rich_markup_mode=MARKUP,
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@clients_app.command("create")
def create(
    name: Annotated[str, typer.Argument(metavar="NAME", help="e.g. tmall-app or console")],
    scopes: Annotated[
        str,
        typer.Option(help="Comma-separated: ingest, read, act:buyer, act:merchant, act:platform."),
    ],
) -> None:
    """Create a client and print its secret: shown this once, only its SHA-256 is kept."""
    from pipeline.api import clients

    chosen = frozenset(s.strip() for s in scopes.split(",") if s.strip())
    with connect(command_settings()) as conn:
        try:
            secret = clients.create(conn, name, chosen)
        except ValueError as exc:
            raise _fail(str(exc)) from None
    typer.echo(secret)


@clients_app.command("rotate")
def rotate(name: Annotated[str, typer.Argument(metavar="NAME")]) -> None:
    """Give a client a new secret (printed once); the old one stops working."""
    from pipeline.api import clients

    with connect(command_settings()) as conn:
        try:
            typer.echo(clients.rotate(conn, name))
        except ValueError as exc:
            raise _fail(str(exc)) from None


@clients_app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(metavar="NAME")]) -> None:
    """Disable a client: gateways refuse it within COMPLAINTS_API_CLIENT_CACHE_SECONDS."""
    from pipeline.api import clients

    with connect(command_settings()) as conn:
        try:
            clients.revoke(conn, name)
        except ValueError as exc:
            raise _fail(str(exc)) from None
    typer.echo(f"revoked {name}")


@clients_app.command("list")
def list_clients() -> None:
    """Every client: scopes, enabled, created, rotated, revoked, last used (never secrets)."""
    from pipeline.db import api_clients

    def when(value: datetime | None) -> str:
        return value.isoformat(timespec="seconds") if value is not None else "-"

    with connect(command_settings()) as conn:
        for c in api_clients.listed(conn):
            typer.echo(
                f"{c.name}\t{','.join(c.scopes)}\t{'enabled' if c.enabled else 'revoked'}\t"
                f"created={when(c.created_at)}\trotated={when(c.rotated_at)}\t"
                f"revoked={when(c.revoked_at)}\tlast_used={when(c.last_used_at)}"
            )
