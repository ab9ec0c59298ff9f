"""`complaints ingest FILE.jsonl`: stream a file of any size into the pipeline in batches.

Valid lines are accepted in one transaction per batch (idempotent on (source, external_id),
so re-running the same file creates nothing new); invalid lines go to the quarantine table
and to a rejects file with their line number and errors."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from pipeline.db.pool import make_pool
from pipeline.db.store import unit_of_work
from pipeline.handlers.intake import accept, quarantine
from pipeline.settings import Settings
from schemas.complaint import ComplaintV1, field_errors, parse_complaint


@dataclass
class Line:
    number: int
    raw: str
    complaint: ComplaintV1 | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Summary:
    lines: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0


def read_lines(stream: IO[bytes]) -> Iterator[tuple[Line, int]]:
    """Parsed lines with the byte offset reached (for progress); blank lines skipped."""
    for number, raw in enumerate(stream, 1):
        offset = stream.tell()
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            yield (
                Line(
                    number,
                    raw.decode("utf-8", "replace").rstrip("\r\n"),
                    errors=[{"path": "$", "rule": "invalid_utf8", "message": str(exc)}],
                ),
                offset,
            )
            continue
        try:
            yield Line(number, text, complaint=parse_complaint(text)), offset
        except ValidationError as exc:
            yield Line(number, text, errors=field_errors(exc)), offset


def ingest_file(
    settings: Settings,
    path: Path,
    batch_size: int = 1000,
    rate: float | None = None,
    rejects: Path | None = None,
    progress: Callable[[int, Summary], None] | None = None,
) -> Summary:
    summary = Summary()
    pool = make_pool(settings.database_url, 2, name="ingest")
    pool.open(wait=True, timeout=30)
    started = time.monotonic()
    rejects_path = rejects or path.with_suffix(path.suffix + ".rejects.jsonl")
    try:
        with path.open("rb") as stream, rejects_path.open("w", encoding="utf-8") as out:
            batch: list[Line] = []
            offset = 0
            for line, offset in read_lines(stream):
                batch.append(line)
                summary.lines += 1
                if len(batch) >= batch_size:
                    _flush(pool, batch, summary, out)
                    batch = []
                    if progress:
                        progress(offset, summary)
                if rate:
                    ahead = started + summary.lines / rate - time.monotonic()
                    if ahead > 0:
                        time.sleep(ahead)
            _flush(pool, batch, summary, out)
            if progress:
                progress(offset, summary)
    finally:
        pool.close()
    summary.seconds = time.monotonic() - started
    return summary


def _flush(pool: Any, batch: list[Line], summary: Summary, out: IO[str]) -> None:
    if not batch:
        return
    valid = [line for line in batch if line.complaint is not None]
    with unit_of_work(pool) as store:
        results = accept(
            store, [(line.complaint, None) for line in valid if line.complaint is not None]
        )
        for line, result in zip(valid, results, strict=True):
            summary.outcomes[result.outcome] += 1
            if result.outcome in ("invalid", "conflict"):
                line.errors = list(result.errors) or [
                    {
                        "path": "external_id",
                        "rule": "conflict",
                        "message": f"differs from complaint {result.complaint_id}",
                    }
                ]
        for line in batch:
            if line.complaint is None:
                summary.outcomes["invalid"] += 1
            if line.errors:
                quarantine(store, line.raw, line.errors, via="file", line_no=line.number)
    for line in batch:
        if line.errors:
            out.write(
                json.dumps(
                    {"line": line.number, "errors": line.errors, "raw": line.raw},
                    ensure_ascii=False,
                )
                + "\n"
            )
