"""The identifier CHECKs of complaints and evidence_items without bounded regex repeats.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
