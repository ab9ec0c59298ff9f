"""The `complaints` console script."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated

import typer

from pipeline.domain.routing import all_queues
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
def worker(
    processes: Annotated[int, typer.Option(help="Worker processes (default: CPU count).")] = 0,
    threads: Annotated[int, typer.Option(help="Threads per worker process.")] = 8,
    queues: Annotated[
        list[str] | None,
        typer.Option("--queues", "-Q", help="Queues to consume (repeat); default: all."),
    ] = None,
) -> None:
    """Run Dramatiq workers for the pipeline's actors (wraps the dramatiq CLI)."""
    _settings()
    wanted = queues or all_queues()
    unknown = sorted(set(wanted) - set(all_queues()))
    if unknown:
        raise typer.BadParameter(f"unknown queues {unknown}; known: {all_queues()}")
    args = [
        sys.executable,
        "-m",
        "dramatiq",
        "workers.actors",
        "--processes",
        str(processes or os.cpu_count() or 1),
        "--threads",
        str(threads),
        "--queues",
        *wanted,
    ]
    os.execv(sys.executable, args)


@app.command()
def relay(
    batch: Annotated[int, typer.Option(help="Outbox rows published per transaction.")] = 0,
) -> None:
    """Publish committed outbox rows to Redis (run one or more; they never double-claim)."""
    from pipeline.db.pool import make_pool
    from workers.broker import broker
    from workers.relay import run_relay

    settings = _settings()
    pool = make_pool(settings.database_url, 2, name="relay")
    pool.open(wait=True, timeout=30)
    try:
        run_relay(pool, broker, batch or settings.relay_batch_size, settings.relay_idle_seconds)
    finally:
        pool.close()


@app.command()
def demo(
    count: Annotated[int, typer.Option(help="Complaints to generate and ingest.")] = 2000,
    processes: Annotated[int, typer.Option(help="Worker processes.")] = 2,
    threads: Annotated[int, typer.Option(help="Threads per worker process.")] = 8,
    seed: Annotated[int, typer.Option(help="Random seed of the sample.")] = 7,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the load.")] = 600,
) -> None:
    """Run the main job: workers + relay, a generated sample load, progress, summary."""
    from pipeline.demo import run_demo

    settings = _settings()
    ok = run_demo(
        settings, count=count, processes=processes, threads=threads, seed=seed, timeout=timeout
    )
    raise typer.Exit(0 if ok else 1)


@app.command()
def config() -> None:
    """Print the effective settings (secrets masked) and the environment variables read."""
    settings = _settings()
    typer.echo(json.dumps({"settings": settings.redacted(), "env": env_names()}, indent=2))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
