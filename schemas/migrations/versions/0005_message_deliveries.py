"""Deliveries counted per message: a poison message is dead-lettered, not looped.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
