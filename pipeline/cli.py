"""The `complaints` console script: every command, in the panel `complaints --help` lists it
in. The commands themselves live in the *_cli modules, one family each."""

from __future__ import annotations

import typer

from pipeline.cli_help import DEVELOP, LOOK, MARKUP, OPERATE, RUN, hide_flag_types
from pipeline.clients_cli import clients_app
from pipeline.deployment_cli import config, migrate, probe, storage_app
from pipeline.generated_files_cli import deploy_app, schemas_app
from pipeline.inspect_cli import audit_app, merchants, show
from pipeline.load_cli import demo, ingest
from pipeline.ops.dlq_cli import dlq_app
from pipeline.ops.status_cli import exporter, status
from pipeline.processes_cli import api, relay, scheduler, worker
from pipeline.tokens_cli import tokens_app

app = typer.Typer(
    help="Complaint-handling pipeline (投诉处理): migrations, workers, relay and tools.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=MARKUP,
)
hide_flag_types()

# Within a panel, --help lists commands in the order added here, then groups (add_typer).
app.command(rich_help_panel=RUN)(migrate)
app.command(rich_help_panel=RUN)(worker)
app.command(rich_help_panel=RUN)(relay)
app.command(rich_help_panel=RUN)(scheduler)
app.command(rich_help_panel=RUN)(api)
app.command(rich_help_panel=RUN)(ingest)
app.command(rich_help_panel=RUN)(demo)
app.command(rich_help_panel=LOOK)(show)
app.command(rich_help_panel=LOOK)(merchants)
app.command(rich_help_panel=OPERATE)(status)
app.command(rich_help_panel=OPERATE)(exporter)
app.command(rich_help_panel=OPERATE)(config)
app.command(rich_help_panel=OPERATE)(probe)
app.add_typer(audit_app, name="audit", rich_help_panel=LOOK)
app.add_typer(dlq_app, name="dlq", rich_help_panel=OPERATE)
app.add_typer(clients_app, name="clients", rich_help_panel=OPERATE)
app.add_typer(tokens_app, name="tokens", rich_help_panel=DEVELOP)
app.add_typer(schemas_app, name="schemas", rich_help_panel=DEVELOP)
app.add_typer(deploy_app, name="deploy", rich_help_panel=DEVELOP)
app.add_typer(storage_app, name="storage", rich_help_panel=OPERATE)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
