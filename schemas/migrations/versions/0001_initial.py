"""Initial schema of the whole complaint lifecycle.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from schemas.migrations.sql_file import execute_sql_file

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations")
