"""A redelivered queue message is quarantined once (its message id).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
