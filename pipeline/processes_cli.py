"""`complaints worker`, `relay`, `scheduler` and `api`: the pipeline's long-running
processes."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from pipeline.cli_context import command_settings
from pipeline.domain.routing import all_queues
from workers.launch import dramatiq_env, prepare_metrics_dir


def worker(
    processes: Annotated[
        int, typer.Option(help="Worker processes.", show_default="the CPU count")
    ] = 0,
    threads: Annotated[int, typer.Option(help="Threads per worker process.")] = 8,
    queues: Annotated[
        list[str] | None,
        typer.Option(
            "--queues", "-Q", metavar="QUEUE", help="A queue to consume (repeat); default: all."
        ),
    ] = None,
    shutdown_timeout: Annotated[
        float, typer.Option(help="On SIGTERM, seconds to let in-flight messages finish.")
    ] = 30.0,
    module: Annotated[
        list[str] | None,
        typer.Option(
            metavar="MODULE", help="An extra module declaring actors on the broker (repeat)."
        ),
    ] = None,
) -> None:
    """Run Dramatiq workers for the pipeline's actors.

    Wraps the dramatiq CLI; metrics on COMPLAINTS_METRICS_HOST:COMPLAINTS_METRICS_PORT."""
    settings = command_settings()
    wanted = queues or all_queues()
    unknown = sorted(set(wanted) - set(all_queues()))
    if unknown:
        raise typer.BadParameter(f"unknown queues {unknown}; known: {all_queues()}")
    args = [
        sys.executable,
        "-m",
        "dramatiq",
        "workers.actors",
        *(module or []),
        "--processes",
        str(processes or os.cpu_count() or 1),
        "--threads",
        str(threads),
        "--worker-shutdown-timeout",
        str(int(shutdown_timeout * 1000)),
        "--queues",
        *wanted,
    ]
    for name, value in dramatiq_env(settings).items():
        os.environ.setdefault(name, value)
    prepare_metrics_dir(settings)
    os.execv(sys.executable, args)


def relay(
    batch: Annotated[
        int,
        typer.Option(
            help="Outbox rows published per transaction.",
            show_default="COMPLAINTS_RELAY_BATCH_SIZE",
        ),
    ] = 0,
) -> None:
    """Publish committed outbox rows to Redis.

    Run one or more: they never claim the same row twice."""
    from pipeline.db.pool import opened_pool
    from pipeline.domain.stages import group_sizes
    from workers.broker import broker
    from workers.relay import run_relay

    settings = command_settings()
    try:
        sizes = group_sizes(settings.stage_group_size)
    except ValueError as exc:
        typer.echo(f"error: COMPLAINTS_STAGE_GROUP_SIZE: {exc}", err=True)
        raise typer.Exit(2) from None
    with opened_pool(settings.database_url, 2, "relay") as pool:
        batch_size = batch or settings.relay_batch_size
        run_relay(pool, broker, sizes, batch_size, settings.relay_idle_seconds)


def scheduler(
    batch: Annotated[
        int,
        typer.Option(
            help="Deadlines claimed per transaction.",
            show_default="COMPLAINTS_SCHEDULER_BATCH_SIZE",
        ),
    ] = 0,
) -> None:
    """Fire due deadlines and 80 % warnings through the outbox.

    Any number may run: each claims due rows with FOR UPDATE SKIP LOCKED."""
    from pipeline.db.pool import opened_pool
    from workers.scheduler import run_scheduler

    settings = command_settings()
    with opened_pool(settings.database_url, 2, "scheduler") as pool:
        run_scheduler(
            pool,
            batch or settings.scheduler_batch_size,
            settings.scheduler_max_sleep_seconds,
            redrive_after=settings.redrive_after_seconds,
        )


def api(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve the HTTP gateway (FastAPI on uvicorn)."""
    from pipeline.api.app import run

    run(command_settings(), host, port, workers)
