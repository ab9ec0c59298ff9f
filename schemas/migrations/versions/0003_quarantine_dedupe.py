"""A file line quarantined twice (re-running an ingest) is kept once.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from schemas.migrations.sql_file import execute_sql_file

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations")
