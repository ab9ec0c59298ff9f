"""`complaints migrate`, `storage init`, `probe` and `config`: what a deployment runs around
the pipeline's processes (the database's migrations, the evidence bucket, liveness probes,
the effective settings)."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from pipeline.cli_context import command_settings
from pipeline.cli_help import MARKUP
from pipeline.settings import env_names


def migrate(
    create_database: bool = typer.Option(
        True, help="Create the database named in COMPLAINTS_DATABASE_URL if missing."
    ),
    check: bool = typer.Option(
        False, "--check", help="Change nothing: exit 0 at the newest migration, else 1."
    ),
    wait: float = typer.Option(0.0, help="With --check: keep checking for up to N seconds."),
) -> None:
    """Apply database migrations up to the newest (idempotent)."""
    from pipeline.db.migrate import ensure_database
    from pipeline.db.migrate import migrate as run_migrations

    settings = command_settings()
    if check:
        _migrate_check(settings.database_url, wait)
        return
    if create_database and ensure_database(settings.database_url):
        typer.echo("created database")
    run_migrations(settings.database_url)
    typer.echo("database is at the newest migration")


def _migrate_check(database_url: str, wait: float) -> None:
    from pipeline.db.migrate import missing_revisions

    deadline = time.monotonic() + wait
    while True:
        try:
            missing = missing_revisions(database_url)
            problem = f"{len(missing)} migration(s) not applied: {'; '.join(missing)}"
        except Exception as exc:  # no database yet, or PostgreSQL away
            missing, problem = ["?"], f"cannot read the migration state: {exc}"
        if not missing:
            typer.echo("database is at the newest migration")
            return
        if time.monotonic() >= deadline:
            typer.echo(f"error: {problem}", err=True)
            raise typer.Exit(1)
        time.sleep(min(2.0, max(0.0, deadline - time.monotonic())))


storage_app = typer.Typer(
    help="The evidence bucket (COMPLAINTS_S3_BUCKET).", rich_markup_mode=MARKUP
)


@storage_app.command("init")
def storage_init(
    create: Annotated[
        bool, typer.Option(help="Create the bucket when missing (else only verify).")
    ] = True,
    console_origin: Annotated[
        list[str] | None,
        typer.Option(
            help="The web console's origin (e.g. https://console.example.com): browsers there "
            "may upload and view evidence (bucket CORS). Repeat for several."
        ),
    ] = None,
) -> None:
    """Create the evidence bucket if missing and allowed; verify put, get and delete."""
    from pipeline.adapters.s3 import make_s3_client
    from pipeline.ops.storage import StorageError, allow_console, init_bucket

    settings = command_settings()
    s3 = make_s3_client(settings)
    try:
        for line in init_bucket(settings, s3, create=create):
            typer.echo(line)
        if console_origin:
            typer.echo(allow_console(settings, s3, console_origin))
    except StorageError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def probe(
    component: Annotated[str, typer.Argument(help="worker, relay or scheduler.")],
    max_age: Annotated[
        float | None, typer.Option(help="Seconds a beat stays fresh (default per component).")
    ] = None,
) -> None:
    """Liveness of a worker, relay or scheduler, for a Kubernetes exec probe.

    Exit 0 while COMPONENT's beat file in COMPLAINTS_STATE_DIR is fresh, 1 when it stalled
    (also usable as a compose healthcheck)."""
    from pipeline.ops.probe import DEFAULT_MAX_AGE, check
    from pipeline.settings import Settings

    if component not in DEFAULT_MAX_AGE:
        raise typer.BadParameter(f"one of {sorted(DEFAULT_MAX_AGE)}", param_hint="COMPONENT")
    limit = max_age if max_age is not None else DEFAULT_MAX_AGE[component]
    healthy, why = check(Settings.from_env().state_dir, component, limit)
    typer.echo(why, err=not healthy)
    raise typer.Exit(0 if healthy else 1)


def config() -> None:
    """Print the effective settings (secrets masked) and the environment variables read."""
    settings = command_settings()
    typer.echo(json.dumps({"settings": settings.redacted(), "env": env_names()}, indent=2))
