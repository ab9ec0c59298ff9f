"""Work lists: the running clock and the claim on the complaint row, and their indexes.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
