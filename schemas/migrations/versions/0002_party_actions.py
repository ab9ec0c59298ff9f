"""Party actions ledger, proposed remedy, merchant order counts.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from schemas.migrations.sql_file import execute_sql_file

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations")
