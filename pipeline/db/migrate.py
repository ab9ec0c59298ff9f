"""Apply Alembic migrations (raw SQL under schemas/migrations) to a database URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from psycopg import sql

import schemas

MIGRATIONS_DIR = Path(schemas.__file__).parent / "migrations"
SCHEMA_FILE = Path(schemas.__file__).parent / "sql" / "schema.sql"


def with_database(database_url: str, name: str) -> str:
    """The same URL naming another database (for admin connections and test clones)."""
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path="/" + name))


def _sqlalchemy_url(database_url: str) -> str:
    scheme, _, rest = database_url.partition("://")
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg://{rest}"
    return database_url


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    # ConfigParser interpolation: a literal '%' in a password must be doubled.
    cfg.set_main_option("sqlalchemy.url", _sqlalchemy_url(database_url).replace("%", "%%"))
    return cfg


def migrate(database_url: str, revision: str = "head") -> None:
    """Bring the database to `revision`; running it again changes nothing."""
    command.upgrade(alembic_config(database_url), revision)


def missing_revisions(database_url: str) -> list[str]:
    """Migrations not yet applied, oldest first ("<revision> <message>"); empty when the
    database is at the newest. Reads only: `complaints migrate --check` (an init
    container's wait for the migration Job) changes nothing."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    with psycopg.connect(database_url, autocommit=True) as conn:
        table = conn.execute("SELECT to_regclass('alembic_version') AS t").fetchone()
        rows = (
            conn.execute("SELECT version_num FROM alembic_version").fetchall()
            if (table and table[0])
            else []
        )
    applied = {r.revision for v in rows for r in script.iterate_revisions(v[0], "base")}
    newest_first = list(script.walk_revisions())
    return [
        f"{r.revision} {r.doc}".strip() for r in reversed(newest_first) if r.revision not in applied
    ]


def ensure_database(database_url: str) -> bool:
    """Create the database named in the URL if it is missing. Returns True if created."""
    name = urlsplit(database_url).path.lstrip("/")
    if not name:
        raise ValueError("COMPLAINTS_DATABASE_URL names no database")
    admin = with_database(database_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        # Two `migrate` started at once (two setup Jobs, compose and a pod) must not both
        # try CREATE DATABASE: serialise the check-and-create; released with the session.
        conn.execute("SELECT pg_advisory_lock(7426150002)")
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def apply_canonical_schema(database_url: str) -> None:
    """Load schemas/sql/schema.sql as is (used by the migration test as the reference)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(SCHEMA_FILE.read_text(encoding="utf-8").encode())
