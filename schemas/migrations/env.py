"""Alembic environment: raw-SQL migrations run against the URL the CLI passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

url = context.config.get_main_option("sqlalchemy.url")
assert url, "sqlalchemy.url must be set by pipeline.db.migrate"

engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, transactional_ddl=True)
    with context.begin_transaction():
        # Serialise concurrent `complaints migrate` runs (several pods starting at once).
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7426150001)")
        context.run_migrations()
