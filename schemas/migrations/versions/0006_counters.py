"""Durable operational counters (re-drives).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from schemas.migrations.sql_file import execute_sql_file

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations")
