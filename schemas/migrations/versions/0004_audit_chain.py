"""Tamper-evident audit trail: hash chain over each complaint's events.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
