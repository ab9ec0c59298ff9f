"""Action idempotency keys per caller, with the request and its result kept.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
