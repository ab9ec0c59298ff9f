"""Negotiation, returns, cases and governance (DESIGN §8).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from schemas.migrations.sql_file import sql_migration

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None
upgrade, downgrade = sql_migration(__file__)
