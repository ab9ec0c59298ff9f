"""Cases: a complaint's case is a column of the complaint, written by the dispatch step that
counts it; case_members goes (issue #25).

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
