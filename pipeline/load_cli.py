"""`complaints ingest` and `complaints demo`: complaints sent into the pipeline, from a JSONL
file or generated (the main job), with progress and a summary."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli_context import command_settings


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
