"""Durable operational counters (re-drives).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
