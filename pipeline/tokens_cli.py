"""`complaints tokens …`: party tokens for local runs (production tokens come from the
marketplace's login; the gateway only verifies them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli_context import command_settings
from pipeline.cli_help import MARKUP

tokens_app = typer.Typer(
    help="Party tokens (JWT) for local runs: make a key set, sign tokens.",
    rich_markup_mode=MARKUP,
)


@tokens_app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option(help="Where to write the JWKS (private: keep it local).")],
) -> None:
    """Write a new ES256 key set; point COMPLAINTS_PARTY_TOKEN_JWKS at it as @FILE."""
    from pipeline.api.party_tokens import new_key_set

    if out.exists():
        typer.echo(f"error: {out} exists; remove it to make a new key set", err=True)
        raise typer.Exit(2)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.touch(mode=0o600)
    out.write_text(json.dumps(new_key_set(), indent=2) + "\n", encoding="utf-8")
    typer.echo(f"wrote {out}; export COMPLAINTS_PARTY_TOKEN_JWKS=@{out}")


@tokens_app.command("mint")
def mint(
    role: Annotated[str, typer.Option(help="buyer, merchant or staff.")],
    sub: Annotated[str, typer.Option(help="The person's id, e.g. b_10293 or m_552.")],
    grants: Annotated[
        str, typer.Option(help="Staff only: comma-separated review,arbitrate,supervise,operate.")
    ] = "",
    ttl: Annotated[int, typer.Option(min=60, max=86_400, help="Seconds until it expires.")] = 3600,
) -> None:
    """Print a signed party token for ROLE and SUB (for `Authorization: Bearer …`)."""
    from pipeline.api.app import party_tokens
    from pipeline.api.party_tokens import PartyTokenError

    settings = command_settings()
    signer = party_tokens(settings)
    if signer is None:
        typer.echo(
            "error: COMPLAINTS_PARTY_TOKEN_JWKS is not set (make one: complaints tokens keygen)",
            err=True,
        )
        raise typer.Exit(2)
    chosen = frozenset(g.strip() for g in grants.split(",") if g.strip())
    try:
        typer.echo(signer.mint(role, sub, chosen, ttl))
    except PartyTokenError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
