"""`complaints status` and `complaints exporter`: the operators' view of queues, outbox,
deadlines, dead letters and workers, on screen or for Prometheus."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import typer

from pipeline.cli_context import ops_clients


def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object, for scripts.")] = False,
    watch: Annotated[float, typer.Option(help="Refresh every N seconds (0: once).")] = 0,
) -> None:
    """The status screen: queues, outbox, complaints, deadlines, dead letters, workers.

    Per queue its depth, delayed and dead messages and the oldest message's age; the outbox
    backlog; complaints by status; deadlines warned and breached in the last hour; dead
    letters not yet replayed; evidence-store errors by reason; live workers."""
    from rich.console import Console, Group
    from rich.live import Live
    from rich.table import Table

    from pipeline.ops.status import snapshot

    settings, pool, client = ops_clients()

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
        tables = [queues, statuses, facts]
        if s["evidence_store_errors"]:
            store = Table(title="Evidence store errors (no verdict drawn; retried)")
            for col in ("reason", "this hour and last", "7 days", "last seen (UTC hour)"):
                store.add_column(col, justify="left" if col == "reason" else "right")
            for row in s["evidence_store_errors"]:
                store.add_row(
                    row["reason"], str(row["recent"]), str(row["last_7_days"]), row["last_hour"]
                )
            tables.append(store)
        return Group(*tables)

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


def exporter(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for /metrics and /healthz.")] = 9300,
) -> None:
    """Serve the pipeline-wide gauges (queues, outbox, SLA, dead letters, live workers) for
    Prometheus: run exactly one; reads are cached for COMPLAINTS_EXPORTER_CACHE_SECONDS."""
    import signal
    import threading

    from pipeline.ops.metrics import Cached, registry_with, serve
    from pipeline.ops.status import snapshot

    settings, pool, client = ops_clients()
    read = Cached(
        lambda: snapshot(pool, client, settings.redis_heartbeat_timeout_ms),
        settings.exporter_cache_seconds,
    )
    server = serve(registry_with(read), host, port)
    typer.echo(f"serving metrics on http://{host}:{port}/metrics")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.shutdown()
    pool.close()
