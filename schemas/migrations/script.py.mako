"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
"""

from __future__ import annotations

from schemas.migrations.sql_file import execute_sql_file

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations")
