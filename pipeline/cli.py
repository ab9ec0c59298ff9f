"""The `complaints` console script."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli_context import command_settings
from pipeline.cli_help import DEVELOP, LOOK, MARKUP, OPERATE, RUN, hide_flag_types
from pipeline.clients_cli import clients_app
from pipeline.domain.routing import all_queues
from pipeline.inspect_cli import audit_app, merchants, show
from pipeline.ops.dlq_cli import dlq_app
from pipeline.ops.status_cli import exporter, status
from pipeline.settings import env_names
from pipeline.tokens_cli import tokens_app
from workers.launch import dramatiq_env, prepare_metrics_dir

app = typer.Typer(
    help="Complaint-handling pipeline (投诉处理): migrations, workers, relay and tools.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=MARKUP,
)
hide_flag_types()


@app.command(rich_help_panel=RUN)
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


@app.command(rich_help_panel=RUN)
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


@app.command(rich_help_panel=RUN)
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
    from workers.broker import broker
    from workers.coalesce import group_sizes
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


@app.command(rich_help_panel=RUN)
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


@app.command(rich_help_panel=RUN)
def api(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve the HTTP gateway (FastAPI on uvicorn)."""
    from pipeline.api.app import run

    run(command_settings(), host, port, workers)


@app.command(rich_help_panel=RUN)
def ingest(
    file: Annotated[
        Path,
        typer.Argument(
            help="complaint.v1 objects, one JSON per line.",
            metavar="FILE",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Lines per transaction.")] = 1000,
    rate: Annotated[float | None, typer.Option(min=0.1, help="At most N lines per second.")] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Where invalid lines go (default FILE.rejects.jsonl).")
    ] = None,
) -> None:
    """Stream a JSONL file of complaints into the pipeline, with a progress bar.

    Valid lines are accepted (idempotently: a file can be sent again); invalid ones are
    quarantined and written to a rejects file. A summary at the end."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from pipeline.ingest import Summary, ingest_file

    settings = command_settings()
    columns = (
        TextColumn("{task.fields[lines]:>9,} lines"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[per_s]:>8.0f} lines/s"),
        TimeRemainingColumn(),
    )
    with Progress(*columns) as bar:
        task = bar.add_task("ingest", total=file.stat().st_size, lines=0, per_s=0.0)
        started = time.monotonic()

        def update(offset: int, summary: Summary) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            bar.update(task, completed=offset, lines=summary.lines, per_s=summary.lines / elapsed)

        summary = ingest_file(settings, file, batch, rate, rejects, update)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.outcomes.items()))
    typer.echo(
        f"{summary.lines} lines in {summary.seconds:.1f}s ({summary.rate:.0f}/s): "
        f"{counts or 'nothing'}; rejects in "
        f"{rejects or file.with_suffix(file.suffix + '.rejects.jsonl')}"
    )


@app.command(rich_help_panel=RUN)
def demo(
    count: Annotated[int, typer.Option(help="Complaints to generate and ingest.")] = 2000,
    processes: Annotated[int, typer.Option(help="Worker processes.")] = 2,
    threads: Annotated[int, typer.Option(help="Threads per worker process.")] = 8,
    seed: Annotated[int, typer.Option(help="Random seed of the sample.")] = 7,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the load.")] = 600,
    serve: Annotated[
        bool,
        typer.Option(
            help="Then keep the gateway, web console and workers up on the demo's data, print "
            "the address and demo people's sign-in links; Ctrl-C stops everything."
        ),
    ] = False,
    port: Annotated[int, typer.Option(help="The gateway's port with --serve.")] = 8000,
) -> None:
    """Run the main job: a generated load through real workers, with progress and a summary.

    Starts workers, relay and scheduler, sends realistic complaints (broken ones included) to
    the intake queue, shows each stage's progress and ends with a summary and what to do next."""
    from pipeline.demo import DatabaseNotReady, run_demo

    settings = command_settings()
    try:
        ok = run_demo(
            settings,
            count=count,
            processes=processes,
            threads=threads,
            seed=seed,
            timeout=timeout,
            console_url=f"http://127.0.0.1:{port}/console/" if serve else None,
        )
    except DatabaseNotReady as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if serve:
        from pipeline.serve import serve as serve_console

        serve_console(settings, "127.0.0.1", port, processes, threads)
    raise typer.Exit(0 if ok else 1)


app.command(rich_help_panel=LOOK)(show)
app.command(rich_help_panel=LOOK)(merchants)
app.add_typer(audit_app, name="audit", rich_help_panel=LOOK)
app.command(rich_help_panel=OPERATE)(status)
app.command(rich_help_panel=OPERATE)(exporter)
app.add_typer(dlq_app, name="dlq", rich_help_panel=OPERATE)
app.add_typer(clients_app, name="clients", rich_help_panel=OPERATE)
app.add_typer(tokens_app, name="tokens", rich_help_panel=DEVELOP)

schemas_app = typer.Typer(
    help="The published contract (JSON Schema and OpenAPI).", rich_markup_mode=MARKUP
)
app.add_typer(schemas_app, name="schemas", rich_help_panel=DEVELOP)


@schemas_app.command("export")
def schemas_export() -> None:
    """Write schemas/published/*.json from the code (commit the result)."""
    from pipeline.api.published import export

    for path in export():
        typer.echo(f"wrote {path}")


deploy_app = typer.Typer(
    help="Files of deploy/ generated from the queues and the category table.",
    rich_markup_mode=MARKUP,
)
app.add_typer(deploy_app, name="deploy", rich_help_panel=DEVELOP)


@deploy_app.command("render")
def deploy_render(
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; fail when a file is out of date.")
    ] = False,
) -> None:
    """Write the worker groups of deploy/ (Kubernetes Deployments, KEDA triggers, compose
    services) from the pipeline's queues and the category table (commit the result)."""
    from pipeline.deploy_render import stale, write

    changed = stale() if check else write()
    for path in changed:
        typer.echo(f"{'out of date' if check else 'wrote'}: {path}")
    if check and changed:
        raise typer.Exit(1)


@app.command(rich_help_panel=DEVELOP)
def bench(
    quick: Annotated[
        bool, typer.Option(help="Small sizes, one run each (under 3 minutes).")
    ] = False,
    only: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated figures: baselines, throughput, latency, scaleout, ingest,"
            " sla, memory."
        ),
    ] = None,
) -> None:
    """Run the benchmark harness (same as `python -m benchmarks`).

    Each figure next to a baseline measured in the same run; prints a table and writes JSON to
    benchmarks/results."""
    from benchmarks.__main__ import main as bench_main

    bench_main((["--quick"] if quick else []) + (["--only", only] if only else []))


@app.command(rich_help_panel=OPERATE)
def config() -> None:
    """Print the effective settings (secrets masked) and the environment variables read."""
    settings = command_settings()
    typer.echo(json.dumps({"settings": settings.redacted(), "env": env_names()}, indent=2))


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
app.add_typer(storage_app, name="storage", rich_help_panel=OPERATE)


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


@app.command(rich_help_panel=OPERATE)
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
