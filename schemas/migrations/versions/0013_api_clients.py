"""API clients with hashed secrets, scopes and an enabled flag.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
