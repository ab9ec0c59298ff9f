"""The `complaints` console script."""

from __future__ import annotations

import json

import typer

from pipeline.logging import configure_logging
from pipeline.settings import Settings, env_names

app = typer.Typer(
    help="Complaint-handling pipeline (投诉处理): migrations, workers, relay and tools.",
    no_args_is_help=True,
    add_completion=False,
)


def _settings() -> Settings:
    settings = Settings.from_env()
    configure_logging(settings.log_format, settings.log_level)
    return settings


@app.command()
def migrate(
    create_database: bool = typer.Option(
        True, help="Create the database named in COMPLAINTS_DATABASE_URL if missing."
    ),
) -> None:
    """Apply database migrations up to the newest (idempotent)."""
    from pipeline.db.migrate import ensure_database
    from pipeline.db.migrate import migrate as run_migrations

    settings = _settings()
    if create_database and ensure_database(settings.database_url):
        typer.echo("created database")
    run_migrations(settings.database_url)
    typer.echo("database is at the newest migration")


@app.command()
def config() -> None:
    """Print the effective settings (secrets masked) and the environment variables read."""
    settings = _settings()
    typer.echo(json.dumps({"settings": settings.redacted(), "env": env_names()}, indent=2))


def main() -> None:
    app()
