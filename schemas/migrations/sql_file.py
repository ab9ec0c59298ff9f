"""Each migration is a `.sql` file beside its Alembic revision module, run verbatim."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import op


def execute_sql_file(module_file: str) -> None:
    sql = Path(module_file).with_suffix(".sql").read_text(encoding="utf-8")
    op.get_bind().exec_driver_sql(sql)


def sql_migration(module_file: str) -> tuple[Callable[[], None], Callable[[], None]]:
    """(upgrade, downgrade) for a revision module whose SQL sits beside it."""

    def upgrade() -> None:
        execute_sql_file(module_file)

    def downgrade() -> None:
        raise NotImplementedError("forward-only migrations")

    return upgrade, downgrade
