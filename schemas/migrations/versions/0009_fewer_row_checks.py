"""Drop two foreign keys implied by others (notifications, outbox -> complaints).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
