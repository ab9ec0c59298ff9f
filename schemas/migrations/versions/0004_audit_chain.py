"""Tamper-evident audit trail: hash chain over each complaint's events.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from schemas.migrations.sql_file import execute_sql_file

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations")
