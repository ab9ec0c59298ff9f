"""What `complaints demo` shows: the stage bars, the summary tables with what each code means,
and what to do next. Rendering only: the numbers come in, nothing is read here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from pipeline.domain.evidence_rules import MAX_ITEMS
from pipeline.progress import Progress as PipelineProgress
from pipeline.progress import StageBar
from schemas.categories import CATEGORIES

#: Figures of the category table the texts below quote.
_MERCHANT_HOURS = ", ".join(
    f"{row.name}: {row.sla_hours['awaiting_merchant']:g} h"
    for row in CATEGORIES
    if "awaiting_merchant" in row.sla_hours
)
_FLAGGED = ", ".join(row.name for row in CATEGORIES if row.review_flag)
_WINDOWS = sorted({row.window_days for row in CATEGORIES})
_WINDOW_DAYS = ", ".join(map(str, _WINDOWS[:-1])) + (" or " if len(_WINDOWS) > 1 else "")

#: Where a complaint of the demo stands once the run has settled.
STATUS_MEANINGS: dict[str, str] = {
    "awaiting_merchant": "sent to the merchant, who must answer within 72 h"
    + (f" ({_MERCHANT_HOURS})" if _MERCHANT_HOURS else ""),
    "awaiting_evidence": "evidence missing or invalid: the buyer has 72 h to supply it",
    "in_review": "held for manual review by platform staff (large claim, "
    + (f"{_FLAGGED}, " if _FLAGGED else "")
    + "or a frequent complainant)",
    "rejected": "out of scope: see the reasons below",
}

REJECTION_MEANINGS: dict[str, str] = {
    "same_party": "buyer and merchant are the same account",
    "not_paid": "the order was never paid",
    "window_expired": f"filed after the category's window ({_WINDOW_DAYS}{_WINDOWS[-1]} days)",
    "amount_exceeds_order": "claim above the order's amount",
    "duplicate": "an open complaint exists for the same buyer, order and category",
    "already_decided": "a decided complaint covers the same order, with no new evidence",
    "platform_rejected": "rejected by platform staff at manual review",
}

VERDICT_MEANINGS: dict[str, str] = {
    "ok": "the object exists, with the declared size, file type and SHA-256",
    "missing": "no object at the key",
    "size_mismatch": "the stored object's size differs from the declared one",
    "too_large": "over the kind's size limit",
    "type_mismatch": "first bytes are not those of the declared content type",
    "hash_mismatch": "the stored object's SHA-256 differs from the declared one",
    "forbidden_key": "key not under evidence/<submitter>/, or with a '..' segment",
    "too_many": f"items past the {MAX_ITEMS}th of a complaint",
    "unchecked": "not checked: items of complaints that never reached the evidence stage"
    " (rejected or held for manual review at review)",
}


def bar_columns() -> tuple[TextColumn | BarColumn | MofNCompleteColumn | TimeElapsedColumn, ...]:
    return (
        TextColumn("{task.description:<17}"),
        BarColumn(bar_width=30),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[note]}"),
    )


def add_bars(bars: Progress, rows: Sequence[StageBar]) -> list[TaskID]:
    return [bars.add_task(r.description, total=r.total or None, note=r.note) for r in rows]


def update_bars(bars: Progress, tasks: Sequence[TaskID], rows: Sequence[StageBar]) -> None:
    for task, row in zip(tasks, rows, strict=True):
        bars.update(task, completed=row.completed, total=row.total, note=row.note)


@dataclass(frozen=True)
class Summary:
    by_status: list[tuple[str, str, int]]  # (status, category, count)
    rejections: list[tuple[str, int]]
    verdicts: list[tuple[str, int]]
    progress: PipelineProgress
    elapsed: float
    example_id: str | None  # a complaint of this run, for the next steps


def next_steps(program: str, example_id: str | None, console_url: str | None) -> list[str]:
    """What a newcomer can do after a run, each step a line saying what it shows and the
    command on its own line (to copy). The console's step appears when it is served
    (`complaints demo --serve`, `./dev run --serve`)."""
    steps: list[tuple[str, str]] = []
    if example_id:
        steps.append(
            (
                "one complaint as its parties see it (status, deadlines, allowed actions,"
                " timeline):",
                f"{program} show {example_id}",
            )
        )
    steps.append(
        (
            "the status screen (queues, outbox, complaints by status, deadlines, workers):",
            f"{program} status",
        )
    )
    if console_url:
        steps.append(("the console:", console_url))
    return [
        "What next:",
        *(line for what, command in steps for line in (f"  {what}", f"      {command}")),
        "  (`./dev run` stops the services it started when it ends;"
        " `./dev services up` starts them again.)",
    ]


def _status_table(by_status: list[tuple[str, str, int]]) -> Table:
    """Categories down, statuses across: a run has fewer statuses than categories, so the
    table fits a terminal without cutting names."""
    categories = sorted({c for _, c, _ in by_status})
    statuses = sorted({s for s, _, _ in by_status})
    table = Table(title="Complaints by category and status")
    table.add_column("category", no_wrap=True)
    for s in statuses:  # a long code's header breaks after its first "_", never elsewhere
        table.add_column(s.replace("_", "_\n", 1) if len(s) > 10 else s, justify="right")
    table.add_column("total", justify="right", style="bold")
    for category in categories:
        counts = {s: n for s, c, n in by_status if c == category}
        table.add_row(
            category, *(str(counts.get(s, "")) for s in statuses), str(sum(counts.values()))
        )
    totals = {s: sum(n for t, _, n in by_status if t == s) for s in statuses}
    table.add_section()
    table.add_row(
        "total", *(str(totals[s]) for s in statuses), str(sum(totals.values())), style="bold"
    )
    return table


def _status_legend(by_status: list[tuple[str, str, int]]) -> list[str]:
    statuses = sorted({s for s, _, _ in by_status})
    return [f"{s}: {STATUS_MEANINGS[s]}" for s in statuses if s in STATUS_MEANINGS]


def _code_table(title: str, rows: list[tuple[str, int]], meanings: dict[str, str]) -> Table:
    table = Table(title=title)
    table.add_column("code")
    table.add_column("count", justify="right")
    table.add_column("meaning")
    for code, n in rows:
        table.add_row(str(code), str(n), meanings.get(str(code), ""))
    return table


def render_summary(
    console: Console, s: Summary, program: str, console_url: str | None = None
) -> None:
    console.print(_status_table(s.by_status))
    for line in _status_legend(s.by_status):
        console.print(line, markup=False, highlight=False)
    console.print(_code_table("Rejections by reason", s.rejections, REJECTION_MEANINGS))
    console.print(_code_table("Evidence verdicts (per item)", s.verdicts, VERDICT_MEANINGS))
    p = s.progress
    rate = p.complaints / s.elapsed if s.elapsed else 0.0
    console.print(
        f"[bold]{p.complaints}[/] complaints persisted, {p.quarantined} quarantined,"
        f" {p.delivered}/{p.notifications} notifications delivered;"
        f" elapsed {s.elapsed:.1f}s, throughput {rate:.1f} complaints/s"
    )
    console.print()
    for line in next_steps(program, s.example_id, console_url):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
