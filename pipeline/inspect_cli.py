"""`complaints show`, `merchants` and `audit verify`: commands that read complaints as
parties, merchants' managers and auditors see them."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from pipeline.cli_context import command_settings, connect
from pipeline.cli_help import MARKUP


def show(
    complaint_id: Annotated[str, typer.Argument(metavar="ID", help="Complaint id (UUID).")],
    events: Annotated[bool, typer.Option(help="Include the event timeline.")] = True,
) -> None:
    """Print one complaint as its parties see it (JSON).

    Its status, evidence verdicts, deadlines (who must act by when), the actions each role may
    take now, the outcome and the timeline of events with their audit hashes."""
    from datetime import UTC, datetime

    from pipeline.domain.errors import NotFound
    from pipeline.views import complaint_view, timeline

    settings = command_settings()
    with connect(settings) as conn:
        try:
            view = complaint_view(conn, complaint_id, datetime.now(UTC))
        except NotFound as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        if events:
            view["events"] = timeline(conn, complaint_id, limit=1000)
    typer.echo(json.dumps(view, ensure_ascii=False, indent=2, default=str))


def merchants(
    top: Annotated[int, typer.Option(help="Merchants to list, most complaints first.")] = 20,
    since: Annotated[
        str | None, typer.Option(help="Period start, YYYY-MM-DD (default: 30 days ago).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """The merchant scorecard (提高商家服务质量).

    Per merchant: complaints received (per 1,000 orders where known), the share answered in
    time, the median response, outcomes, deadline breaches and penalty points."""
    from datetime import UTC, datetime, timedelta

    from rich.console import Console
    from rich.table import Table

    from pipeline.views import merchant_scorecard

    settings = command_settings()
    try:
        start = (
            datetime.fromisoformat(since).replace(tzinfo=UTC)
            if since
            else datetime.now(UTC) - timedelta(days=30)
        )
    except ValueError:
        raise typer.BadParameter(f"--since {since!r}: use YYYY-MM-DD") from None
    with connect(settings) as conn:
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
        "supervised": "supervised",
    }
    for column, label in columns.items():
        table.add_column(label, justify="left" if column == "merchant_id" else "right")
    for row in rows:
        table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
    console = Console()
    console.width = max(console.width, 120)
    console.print(table)


audit_app = typer.Typer(
    help="The tamper-evident audit trail (a hash chain over each complaint's events).",
    rich_markup_mode=MARKUP,
)


@audit_app.command("verify")
def audit_verify(
    complaint: Annotated[str | None, typer.Option(help="Only this complaint id.")] = None,
) -> None:
    """Recompute the event chains and say how many were checked.

    Prints the first broken link of each broken chain, and how many chains and events were
    checked; exits 1 if any chain is broken."""
    from pipeline.audit_verify import Checked, verify

    settings = command_settings()
    broken = 0
    checked = Checked()
    with connect(settings) as conn:
        for b in verify(conn, complaint, checked):
            broken += 1
            at = f"event {b.seq}" if b.seq is not None else "head"
            typer.echo(f"BROKEN {b.complaint_id} at {at}: {b.reason}")
    typer.echo(checked.summary(broken))
    raise typer.Exit(1 if broken else 0)
