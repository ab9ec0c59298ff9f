"""Cases: members without per-row foreign-key checks (the case count's cost); case decisions
above the four-eyes amount wait for a second staff member (issue #25).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
