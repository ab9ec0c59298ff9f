"""The `complaints` console script."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

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
    shutdown_timeout: Annotated[
        float, typer.Option(help="On SIGTERM, seconds to let in-flight messages finish.")
    ] = 30.0,
    module: Annotated[
        list[str] | None,
        typer.Option(help="Extra modules declaring actors on the same broker (repeat)."),
    ] = None,
) -> None:
    """Run Dramatiq workers for the pipeline's actors (wraps the dramatiq CLI); metrics on
    COMPLAINTS_METRICS_HOST:COMPLAINTS_METRICS_PORT."""
    settings = _settings()
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
    _prepare_metrics_dir(settings)
    os.execv(sys.executable, args)


def dramatiq_env(settings: Settings) -> dict[str, str]:
    """Dramatiq's own knobs. An idle queue's consumer waits for its queue's wake-up
    (workers.wake_ups) and polls Redis at the latest every worker_idle_poll_ms, in case a
    message went unannounced; it is also the longest a worker takes to notice shutdown."""
    return {"dramatiq_worker_timeout": str(settings.worker_idle_poll_ms)}


def _prepare_metrics_dir(settings: Settings) -> None:
    """A fresh multiprocess directory per worker start (stale files would skew counters),
    set before any worker process imports prometheus_client."""
    import shutil

    path = Path(settings.metrics_dir)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    os.environ["dramatiq_prom_db"] = str(path)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    os.environ["dramatiq_prom_host"] = settings.metrics_host
    os.environ["dramatiq_prom_port"] = str(settings.metrics_port)


@app.command()
def relay(
    batch: Annotated[int, typer.Option(help="Outbox rows published per transaction.")] = 0,
) -> None:
    """Publish committed outbox rows to Redis (run one or more; they never double-claim)."""
    from pipeline.db.pool import opened_pool
    from workers.broker import broker
    from workers.relay import run_relay

    settings = _settings()
    with opened_pool(settings.database_url, 2, "relay") as pool:
        run_relay(pool, broker, batch or settings.relay_batch_size, settings.relay_idle_seconds)


@app.command()
def scheduler(
    batch: Annotated[int, typer.Option(help="Deadlines claimed per transaction.")] = 0,
) -> None:
    """Fire due deadlines and 80 % warnings through the outbox (any number may run)."""
    from pipeline.db.pool import opened_pool
    from workers.scheduler import run_scheduler

    settings = _settings()
    with opened_pool(settings.database_url, 2, "scheduler") as pool:
        run_scheduler(
            pool,
            batch or settings.scheduler_batch_size,
            settings.scheduler_max_sleep_seconds,
            redrive_after=settings.redrive_after_seconds,
        )


@app.command()
def api(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve the HTTP gateway (FastAPI on uvicorn)."""
    from pipeline.api.app import run

    run(_settings(), host, port, workers)


@app.command()
def ingest(
    file: Annotated[
        Path,
        typer.Argument(
            help="complaint.v1 objects, one JSON per line.",
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
    """Stream a JSONL file into the pipeline: valid lines accepted (idempotently), invalid
    ones quarantined and written to a rejects file; a summary at the end."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from pipeline.ingest import Summary, ingest_file

    settings = _settings()
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


@app.command()
def demo(
    count: Annotated[int, typer.Option(help="Complaints to generate and ingest.")] = 2000,
    processes: Annotated[int, typer.Option(help="Worker processes.")] = 2,
    threads: Annotated[int, typer.Option(help="Threads per worker process.")] = 8,
    seed: Annotated[int, typer.Option(help="Random seed of the sample.")] = 7,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the load.")] = 600,
) -> None:
    """Run the main job: workers + relay, a generated sample load, progress, summary."""
    from pipeline.demo import DatabaseNotReady, run_demo

    settings = _settings()
    try:
        ok = run_demo(
            settings, count=count, processes=processes, threads=threads, seed=seed, timeout=timeout
        )
    except DatabaseNotReady as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(0 if ok else 1)


@app.command()
def show(
    complaint_id: Annotated[str, typer.Argument(help="Complaint id (UUID).")],
    events: Annotated[bool, typer.Option(help="Include the event timeline.")] = True,
) -> None:
    """Print a complaint as parties see it: status, clocks, allowed actions, timeline."""
    from datetime import UTC, datetime

    import psycopg

    from pipeline.domain.errors import NotFound
    from pipeline.views import complaint_view, timeline

    settings = _settings()
    with psycopg.connect(settings.database_url) as conn:
        try:
            view = complaint_view(conn, complaint_id, datetime.now(UTC))
        except NotFound as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        if events:
            view["events"] = timeline(conn, complaint_id, limit=1000)
    typer.echo(json.dumps(view, ensure_ascii=False, indent=2, default=str))


@app.command()
def merchants(
    top: Annotated[int, typer.Option(help="Merchants to list, most complaints first.")] = 20,
    since: Annotated[
        str | None, typer.Option(help="Period start, YYYY-MM-DD (default: 30 days ago).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """Merchant scorecard (提高商家服务质量): complaints, answers in time, outcomes, penalties."""
    from datetime import UTC, datetime, timedelta

    import psycopg
    from rich.console import Console
    from rich.table import Table

    from pipeline.views import merchant_scorecard

    settings = _settings()
    try:
        start = (
            datetime.fromisoformat(since).replace(tzinfo=UTC)
            if since
            else datetime.now(UTC) - timedelta(days=30)
        )
    except ValueError:
        raise typer.BadParameter(f"--since {since!r}: use YYYY-MM-DD") from None
    with psycopg.connect(settings.database_url) as conn:
        rows = merchant_scorecard(conn, start, top)
    if as_json:
        typer.echo(json.dumps(rows, default=str, indent=2))
        return
    table = Table(title=f"Merchant scorecard since {start.date()}")
    columns = {
        "merchant_id": "merchant",
        "received": "received",
        "per_1000_orders": "/1k orders",
        "answered": "answered",
        "answered_in_time_share": "in time",
        "median_response_seconds": "median s",
        "buyer_wins": "buyer wins",
        "partial": "partial",
        "merchant_wins": "merch. wins",
        "sla_breaches": "breaches",
        "penalty_points": "penalty",
    }
    for column, label in columns.items():
        table.add_column(label, justify="left" if column == "merchant_id" else "right")
    for row in rows:
        table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
    console = Console()
    console.width = max(console.width, 120)
    console.print(table)


def _ops() -> tuple[Settings, Any, Any]:
    import redis

    from pipeline.db.pool import make_pool

    settings = _settings()
    pool = make_pool(settings.database_url, 2, name="ops")
    pool.open(wait=True, timeout=30)
    return settings, pool, redis.Redis.from_url(settings.redis_url)


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object, for scripts.")] = False,
    watch: Annotated[float, typer.Option(help="Refresh every N seconds (0: once).")] = 0,
) -> None:
    """One screen: queues (depth, delayed, dead, oldest), outbox, complaints by status,
    deadlines at risk, dead letters, live workers."""
    from rich.console import Console, Group
    from rich.live import Live
    from rich.table import Table

    from pipeline.ops.status import snapshot

    settings, pool, client = _ops()

    def read() -> dict[str, Any]:
        return snapshot(pool, client, settings.redis_heartbeat_timeout_ms)

    def render(s: dict[str, Any]) -> Group:
        queues = Table(title="Queues")
        for col in ("queue", "depth", "delayed", "dead", "oldest age s"):
            queues.add_column(col, justify="left" if col == "queue" else "right")
        for row in s["queues"]:
            queues.add_row(
                row["queue"],
                str(row["depth"]),
                str(row["delayed"]),
                str(row["dead"]),
                f"{row['oldest_age_seconds']:.1f}",
            )
        statuses = Table(title="Complaints by status")
        statuses.add_column("status")
        statuses.add_column("count", justify="right")
        for name, n in s["complaints_by_status"].items():
            statuses.add_row(name, str(n))
        facts = Table(title="Pipeline")
        facts.add_column("fact")
        facts.add_column("value", justify="right")
        for key in (
            "outbox_backlog",
            "outbox_oldest_seconds",
            "deadlines_warned",
            "deadlines_breached_last_hour",
            "dead_letters_pending",
            "live_workers",
            "redriven_total",
        ):
            facts.add_row(key.replace("_", " "), str(s[key]))
        return Group(queues, statuses, facts)

    try:
        if as_json:
            typer.echo(json.dumps(read(), indent=2))
            return
        console = Console()
        if not watch:
            console.print(render(read()))
            return
        with Live(render(read()), console=console, refresh_per_second=4) as live:
            while True:
                time.sleep(watch)
                live.update(render(read()))
    except KeyboardInterrupt:
        pass
    finally:
        pool.close()


@app.command()
def exporter(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for /metrics.")] = 9300,
) -> None:
    """Serve the queue, outbox, SLA and dead-letter gauges for Prometheus (standalone)."""
    from prometheus_client import start_http_server

    from pipeline.ops.metrics import registry_with
    from pipeline.ops.status import snapshot

    settings, pool, client = _ops()
    registry = registry_with(lambda: snapshot(pool, client, settings.redis_heartbeat_timeout_ms))
    start_http_server(port, addr=host, registry=registry)
    typer.echo(f"serving metrics on http://{host}:{port}/metrics")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pool.close()


dlq_app = typer.Typer(help="Dead letters, copied to PostgreSQL so they never expire.")
app.add_typer(dlq_app, name="dlq")


@dlq_app.command("sync")
def dlq_sync() -> None:
    """Copy every message in Redis's dead-letter sets into PostgreSQL."""
    from pipeline.ops.dlq import sync_from_redis

    _, pool, client = _ops()
    typer.echo(f"copied {sync_from_redis(pool, client)} dead letters")
    pool.close()


@dlq_app.command("list")
def dlq_list(
    queue: Annotated[str | None, typer.Option(help="Only this queue.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only this actor.")] = None,
    pending: Annotated[bool, typer.Option(help="Only letters not yet replayed.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """List dead letters (id, actor, queue, failures, last failure, replayed)."""
    from pipeline.ops.dlq import list_letters

    _, pool, _ = _ops()
    for row in list_letters(pool, queue, actor, pending, limit):
        replayed = row["replayed_at"].isoformat() if row["replayed_at"] else "-"
        typer.echo(
            f"{row['id']}\t{row['actor_name']}\t{row['queue_name']}\t"
            f"failures={row['failures']}\tlast={row['last_failed_at']:%Y-%m-%d %H:%M}"
            f"\treplayed={replayed}\t{(row['error'] or '')[:80]}"
        )
    pool.close()


@dlq_app.command("show")
def dlq_show(letter_id: Annotated[int, typer.Argument(help="Dead letter id.")]) -> None:
    """One dead letter with its payload and error."""
    from pipeline.ops.dlq import render, show

    _, pool, _ = _ops()
    row = show(pool, letter_id)
    pool.close()
    if row is None:
        typer.echo(f"no dead letter {letter_id}", err=True)
        raise typer.Exit(1)
    typer.echo(render(row))


@dlq_app.command("replay")
def dlq_replay(
    letter_id: Annotated[int | None, typer.Argument(help="One letter (default: filter).")] = None,
    queue: Annotated[str | None, typer.Option(help="Every pending letter of this queue.")] = None,
    actor: Annotated[str | None, typer.Option(help="Every pending letter of this actor.")] = None,
    all_letters: Annotated[bool, typer.Option("--all", help="Every pending letter.")] = False,
) -> None:
    """Re-enqueue dead letters with their original message ids; each is replayed once."""
    if letter_id is None and queue is None and actor is None and not all_letters:
        raise typer.BadParameter("name a letter id, --queue, --actor or --all")
    from pipeline.ops.dlq import replay
    from workers.broker import build_broker

    settings, pool, _ = _ops()
    broker = build_broker(settings)
    typer.echo(f"replayed {replay(pool, broker, letter_id, queue, actor)} dead letters")
    pool.close()


@dlq_app.command("purge")
def dlq_purge(
    queue: Annotated[str | None, typer.Option(help="Only this queue.")] = None,
    yes: Annotated[
        bool, typer.Option("--yes-delete-replayed", help="Required: confirms the deletion.")
    ] = False,
) -> None:
    """Delete dead letters that were already replayed (pending ones are kept)."""
    if not yes:
        raise typer.BadParameter("purging needs --yes-delete-replayed")
    from pipeline.ops.dlq import purge

    _, pool, _ = _ops()
    typer.echo(f"purged {purge(pool, queue)} replayed dead letters")
    pool.close()


audit_app = typer.Typer(help="The tamper-evident audit trail (hash chain over events).")
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    complaint: Annotated[str | None, typer.Option(help="Only this complaint id.")] = None,
) -> None:
    """Recompute the event chains; print the first broken link of each; exit 1 if any."""
    import psycopg

    from pipeline.audit_verify import verify

    settings = _settings()
    broken = 0
    with psycopg.connect(settings.database_url) as conn:
        for b in verify(conn, complaint):
            broken += 1
            at = f"event {b.seq}" if b.seq is not None else "head"
            typer.echo(f"BROKEN {b.complaint_id} at {at}: {b.reason}")
    typer.echo(f"{broken} broken chain(s)")
    raise typer.Exit(1 if broken else 0)


schemas_app = typer.Typer(help="The published contract (JSON Schema + OpenAPI).")
app.add_typer(schemas_app, name="schemas")


@schemas_app.command("export")
def schemas_export() -> None:
    """Write schemas/published/*.json from the code (commit the result)."""
    from schemas.publish import export

    for path in export():
        typer.echo(f"wrote {path}")


@app.command()
def bench(
    quick: Annotated[
        bool, typer.Option(help="Small sizes, one run each (under 3 minutes).")
    ] = False,
    only: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated figures: baselines, throughput, latency, ingest, sla, memory."
        ),
    ] = None,
) -> None:
    """Run the benchmark harness (same as `python -m benchmarks`): each figure next to a
    baseline measured in the same run; prints a table and writes JSON to benchmarks/results."""
    from benchmarks.__main__ import main as bench_main

    bench_main((["--quick"] if quick else []) + (["--only", only] if only else []))


@app.command()
def config() -> None:
    """Print the effective settings (secrets masked) and the environment variables read."""
    settings = _settings()
    typer.echo(json.dumps({"settings": settings.redacted(), "env": env_names()}, indent=2))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
