"""Drop two indexes of complaints that no query uses (merchant, order).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
