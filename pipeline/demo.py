"""`complaints demo`: the main job — a generated load through real workers, with a summary."""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline.adapters.s3 import make_s3_client
from pipeline.db.queries import q
from pipeline.processes import Fleet
from pipeline.progress import read_progress
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
    settings: Settings, count: int, processes: int, threads: int, seed: int, timeout: float
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
    _summary(console, settings, source, elapsed)
    return ok


def _watch(console: Console, settings: Settings, source: str, sent: int, timeout: float) -> bool:
    columns = (
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    deadline = time.monotonic() + timeout
    with (
        psycopg.connect(settings.database_url, autocommit=True) as conn,
        Progress(*columns, console=console) as bars,
    ):
        arrived = bars.add_task("intake (persisted)", total=sent)
        reviewed = bars.add_task("review", total=None)
        evidence = bars.add_task("evidence checked", total=None)
        dispatched = bars.add_task("sent to merchant", total=None)
        notified = bars.add_task("notifications", total=None)
        while True:
            p = read_progress(conn, source)
            bars.update(arrived, completed=p.arrived)
            bars.update(reviewed, completed=p.reviewed, total=p.complaints)
            bars.update(evidence, completed=p.evidence_checked, total=p.complaints)
            bars.update(dispatched, completed=p.dispatched, total=p.complaints)
            bars.update(notified, completed=p.delivered, total=p.notifications)
            if p.settled(sent):
                return True
            if time.monotonic() > deadline:
                console.print(f"[red]timed out after {timeout}s[/]: {asdict(p)}")
                return False
            time.sleep(0.3)


def _summary(console: Console, settings: Settings, source: str, elapsed: float) -> None:
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        params = {"source": source}
        by_status = conn.execute(q("summary_by_status_category"), params).fetchall()
        rejections = conn.execute(q("summary_rejections"), params).fetchall()
        verdicts = conn.execute(q("summary_verdicts"), params).fetchall()
        progress = read_progress(conn, source)

    categories = sorted({c for _, c, _ in by_status})
    table = Table(title="Complaints by status and category")
    table.add_column("status")
    for c in categories:
        table.add_column(c, justify="right")
    table.add_column("total", justify="right", style="bold")
    for status in sorted({s for s, _, _ in by_status}):
        counts = {c: n for s, c, n in by_status if s == status}
        table.add_row(
            status, *(str(counts.get(c, "")) for c in categories), str(sum(counts.values()))
        )
    console.print(table)
    for title, rows in (("Rejections by reason", rejections), ("Evidence verdicts", verdicts)):
        t = Table(title=title)
        t.add_column("code")
        t.add_column("count", justify="right")
        for code, n in rows:
            t.add_row(str(code), str(n))
        console.print(t)
    rate = progress.complaints / elapsed if elapsed else 0.0
    console.print(
        f"[bold]{progress.complaints}[/] complaints persisted, {progress.quarantined} quarantined,"
        f" {progress.delivered}/{progress.notifications} notifications delivered;"
        f" elapsed {elapsed:.1f}s, throughput {rate:.1f} complaints/s"
    )
