"""A file line quarantined twice (re-running an ingest) is kept once.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
