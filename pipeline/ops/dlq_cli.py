"""`complaints dlq …`: dead letters, copied to PostgreSQL, listed, shown, replayed once,
purged once replayed."""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline.cli_context import ops_clients
from pipeline.cli_help import MARKUP

dlq_app = typer.Typer(
    help="Dead letters, copied to PostgreSQL so they never expire.", rich_markup_mode=MARKUP
)


@dlq_app.command("sync")
def dlq_sync() -> None:
    """Copy every message in Redis's dead-letter sets into PostgreSQL."""
    from pipeline.ops.dlq import sync_from_redis

    _, pool, client = ops_clients()
    typer.echo(f"copied {sync_from_redis(pool, client)} dead letters")
    pool.close()


@dlq_app.command("list")
def dlq_list(
    queue: Annotated[str | None, typer.Option(help="Only this queue.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only this actor.")] = None,
    pending: Annotated[bool, typer.Option(help="Only letters not yet replayed.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 100,
) -> None:
    """List dead letters: id, actor, queue, failures, last failure, when replayed."""
    from pipeline.ops.dlq import list_letters

    _, pool, _ = ops_clients()
    for row in list_letters(pool, queue, actor, pending, limit):
        replayed = row["replayed_at"].isoformat() if row["replayed_at"] else "-"
        typer.echo(
            f"{row['id']}\t{row['actor_name']}\t{row['queue_name']}\t"
            f"failures={row['failures']}\tlast={row['last_failed_at']:%Y-%m-%d %H:%M}"
            f"\treplayed={replayed}\t{(row['error'] or '')[:80]}"
        )
    pool.close()


@dlq_app.command("show")
def dlq_show(
    letter_id: Annotated[int, typer.Argument(metavar="ID", help="Dead letter id.")],
) -> None:
    """One dead letter with its payload and error."""
    from pipeline.ops.dlq import render, show

    _, pool, _ = ops_clients()
    row = show(pool, letter_id)
    pool.close()
    if row is None:
        typer.echo(f"no dead letter {letter_id}", err=True)
        raise typer.Exit(1)
    typer.echo(render(row))


@dlq_app.command("replay")
def dlq_replay(
    letter_id: Annotated[
        int | None, typer.Argument(metavar="ID", help="One letter (default: filter).")
    ] = None,
    queue: Annotated[str | None, typer.Option(help="Every pending letter of this queue.")] = None,
    actor: Annotated[str | None, typer.Option(help="Every pending letter of this actor.")] = None,
    all_letters: Annotated[bool, typer.Option("--all", help="Every pending letter.")] = False,
) -> None:
    """Re-enqueue dead letters with their original message ids.

    Each letter is replayed once; name one letter, or choose them by queue, by actor or all."""
    if letter_id is None and queue is None and actor is None and not all_letters:
        raise typer.BadParameter("name a letter id, --queue, --actor or --all")
    from pipeline.ops.dlq import replay
    from workers.broker import build_broker

    settings, pool, _ = ops_clients()
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
    """Delete dead letters that were already replayed.

    Letters not yet replayed are kept."""
    if not yes:
        raise typer.BadParameter("purging needs --yes-delete-replayed")
    from pipeline.ops.dlq import purge

    _, pool, _ = ops_clients()
    typer.echo(f"purged {purge(pool, queue)} replayed dead letters")
    pool.close()
