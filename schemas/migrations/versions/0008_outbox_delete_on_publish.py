"""The relay deletes outbox rows as it publishes them (no sent mark, no pruning).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
