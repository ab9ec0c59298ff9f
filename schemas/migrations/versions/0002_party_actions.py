"""Party actions ledger, proposed remedy, merchant order counts.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
