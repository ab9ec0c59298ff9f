"""`complaints schemas export` and `complaints deploy render`: files written from the code
and committed (the published contract, the worker groups of deploy/)."""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline.cli_help import MARKUP

schemas_app = typer.Typer(
    help="The published contract (JSON Schema and OpenAPI).", rich_markup_mode=MARKUP
)


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
