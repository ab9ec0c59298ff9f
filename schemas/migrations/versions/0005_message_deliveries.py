"""Deliveries counted per message: a poison message is dead-lettered, not looped.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from schemas.migrations.sql_file import execute_sql_file

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations")
