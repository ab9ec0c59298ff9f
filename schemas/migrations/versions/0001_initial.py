"""Initial schema of the whole complaint lifecycle.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
