"""`complaints demo`: the main job — a generated load through real workers, with a summary."""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from rich.console import Console
from rich.progress import Progress

from pipeline.adapters.s3 import make_s3_client
from pipeline.db import reports
from pipeline.demo_report import Summary, add_bars, bar_columns, render_summary, update_bars
from pipeline.processes import Fleet
from pipeline.progress import read_progress, stage_bars
from pipeline.sample import Generator, upload_all
from pipeline.settings import Settings


def _ensure_bucket(settings: Settings) -> None:
    s3 = make_s3_client(settings)
    names = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if settings.s3_bucket not in names:
        s3.create_bucket(Bucket=settings.s3_bucket)


class DatabaseNotReady(RuntimeError):
    pass


def check_database(settings: Settings) -> None:
    """Fail before anything is sent: messages sent while the database is missing would wait
    in Redis and turn up in the next run."""
    try:
        with psycopg.connect(settings.database_url, connect_timeout=5) as conn:
            conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[-1]
        raise DatabaseNotReady(
            f"the database is not ready ({reason}); run `complaints migrate` first"
            " (`./dev run` does)"
        ) from None


def run_demo(
    settings: Settings,
    count: int,
    processes: int,
    threads: int,
    seed: int,
    timeout: float,
    console_url: str | None = None,
) -> bool:
    check_database(settings)
    console = Console(width=None if Console().is_terminal else 120)
    run = int(time.time())
    source = f"demo-{run}"
    console.print(f"[bold]Generating {count} complaints[/] (source {source}, seed {seed})")
    # Buyers and orders of each run are its own: a second run on the same database would
    # otherwise find the first run's open complaints and reject its own as duplicates.
    gen = Generator(seed, datetime.now(UTC), source=source, id_prefix=f"d{run}-")
    samples = gen.generate(count)
    _ensure_bucket(settings)
    started = time.monotonic()
    uploaded = upload_all(make_s3_client(settings, max_pool=32), settings.s3_bucket, gen.uploads)
    console.print(f"uploaded {uploaded} evidence files in {time.monotonic() - started:.1f}s")

    log_dir = Path(".local/logs") / source
    fleet = Fleet(env={}, log_dir=log_dir, processes=processes, threads=threads)
    fleet.start_workers()
    fleet.start_relay()
    fleet.start_scheduler()
    from workers.actors import intake  # imported here: sets the broker from settings

    ok = False
    try:
        t0 = time.monotonic()
        for sample in samples:
            intake.send(sample.payload)
        console.print(f"sent {len(samples)} complaint.v1 messages to the intake queue")
        ok = _watch(console, settings, source, len(samples), timeout)
        elapsed = time.monotonic() - t0
    finally:
        codes = fleet.stop()
    console.print(f"workers and relay stopped (exit codes {codes}); logs in {log_dir}")
    _summary(console, settings, source, elapsed, console_url)
    return ok


def _watch(console: Console, settings: Settings, source: str, sent: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    with (
        psycopg.connect(settings.database_url, autocommit=True) as conn,
        Progress(*bar_columns(), console=console) as bars,
    ):
        p = read_progress(conn, source)
        tasks = add_bars(bars, stage_bars(p, sent))
        while True:
            update_bars(bars, tasks, stage_bars(p, sent))
            if p.settled(sent):
                return True
            if time.monotonic() > deadline:
                console.print(f"[red]timed out after {timeout}s[/]: {asdict(p)}")
                return False
            time.sleep(0.3)
            p = read_progress(conn, source)


def program_name() -> str:
    """How to call `complaints` again: its name when that is the script on PATH, else the
    path it was started by (`.venv/bin/complaints` after `./dev run`)."""
    started = Path(sys.argv[0]).resolve()
    on_path = shutil.which("complaints")
    if started.name != "complaints":  # e.g. `python -m pipeline.cli`
        return "complaints"
    if on_path and Path(on_path).resolve() == started:
        return "complaints"
    try:
        return os.path.relpath(started)
    except ValueError:
        return str(started)


def _summary(
    console: Console, settings: Settings, source: str, elapsed: float, console_url: str | None
) -> None:
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        summary = Summary(
            by_status=reports.by_status_and_category(conn, source),
            rejections=reports.rejections(conn, source),
            verdicts=reports.verdicts(conn, source),
            progress=read_progress(conn, source),
            elapsed=elapsed,
            example_id=reports.example_complaint(conn, source),
        )
    render_summary(console, summary, program_name(), console_url)
