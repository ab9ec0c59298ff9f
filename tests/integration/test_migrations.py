"""A migrated database must equal the canonical schema (schemas/sql/schema.sql)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from pipeline.db.migrate import apply_canonical_schema, migrate
from pipeline.domain.status import PG_ENUMS
from pipeline.settings import Settings
from tests import services
from tests.services import Conn

pytestmark = pytest.mark.integration

VERSIONS = Path(__file__).parents[2] / "schemas" / "migrations" / "versions"


def _dump(url: str) -> str:
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed for the schema diff (PostgreSQL client package)"
    out = subprocess.run(
        [
            pg_dump,
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--exclude-table=alembic_version",
            "--dbname",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return "\n".join(
        line
        for line in out.splitlines()
        if line
        and not line.startswith(
            ("--", "SET ", "SELECT pg_catalog.set_config", "\\restrict", "\\unrestrict")
        )
    )


def test_migrated_schema_equals_canonical_schema(base_settings: Settings) -> None:
    migrated, canonical = "complaints_mig_a", "complaints_mig_b"
    for name in (migrated, canonical):
        services.drop_database(base_settings, name)
        with psycopg.connect(services.admin_url(base_settings), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        migrate(services.db_url(base_settings, migrated))
        apply_canonical_schema(services.db_url(base_settings, canonical))
        a, b = (
            _dump(services.db_url(base_settings, migrated)),
            _dump(services.db_url(base_settings, canonical)),
        )
        assert "CREATE TABLE public.complaints" in a
        assert a == b
    finally:
        for name in (migrated, canonical):
            services.drop_database(base_settings, name)


def test_migrate_is_idempotent(database_url: str) -> None:
    migrate(database_url)
    migrate(database_url)
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    newest = sorted(p.stem.split("_")[0] for p in VERSIONS.glob("[0-9]*.sql"))[-1]
    assert rows == [(newest,)]


@pytest.mark.parametrize("pg_type", sorted(PG_ENUMS))
def test_python_enums_equal_postgres_enums(conn: Conn, pg_type: str) -> None:
    rows = conn.execute(
        "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
        "WHERE t.typname = %s ORDER BY e.enumsortorder",
        (pg_type,),
    ).fetchall()
    assert [r[0] for r in rows] == [m.value for m in PG_ENUMS[pg_type]]


#: A valid complaint row; tests override the columns they are about.
COMPLAINT_ROW: dict[str, object] = {
    "source": "t",
    "external_id": "e",
    "payload_sha256": "0" * 64,
    "category": "service",
    "buyer_id": "b1",
    "merchant_id": "m1",
    "order_id": "o1",
    "order_amount_cents": 100,
    "currency": "CNY",
    "title": "t",
    "description": "d",
    "requested_remedy": "refund",
    "claimed_amount_cents": 0,
}


def insert_complaint(conn: Conn, **overrides: object) -> object:
    """Insert COMPLAINT_ROW with `overrides`; returns the new id."""
    row = {**COMPLAINT_ROW, **overrides}
    statement = sql.SQL(
        "INSERT INTO complaints ({}, submitted_at) VALUES ({}, now()) RETURNING id"
    ).format(
        sql.SQL(", ").join(sql.Identifier(c) for c in row),
        sql.SQL(", ").join(sql.Placeholder(c) for c in row),
    )
    (cid,) = conn.execute(statement, row).fetchone() or (None,)
    return cid


def test_one_open_admitted_complaint_per_order_and_category(conn: Conn) -> None:
    open_admitted = {"claimed_amount_cents": 10, "status": "awaiting_merchant"}
    insert_complaint(conn, external_id="e1", admitted_at="2026-11-30T00:00:00Z", **open_admitted)
    with pytest.raises(psycopg.errors.UniqueViolation):
        insert_complaint(
            conn, external_id="e2", admitted_at="2026-11-30T00:00:00Z", **open_admitted
        )


def test_amount_checks_reject_negative_money(conn: Conn) -> None:
    with pytest.raises(psycopg.errors.CheckViolation):
        insert_complaint(conn, order_amount_cents=-1)


IDENTIFIER_CASES = [
    ("x" * 128, True),
    ("A_b.c:d-9", True),
    ("x" * 129, False),
    ("", False),
    ("has space", False),
    ("é", False),
    ("line\n", False),
]


@pytest.mark.parametrize("column", ["external_id", "buyer_id", "merchant_id", "order_id"])
@pytest.mark.parametrize("value, allowed", IDENTIFIER_CASES)
def test_identifier_checks_keep_the_rule_of_128_safe_characters(
    conn: Conn, column: str, value: str, allowed: bool
) -> None:
    """Migration 0011 rewrote these checks for speed; the rule is the same as before."""
    if allowed:
        insert_complaint(conn, **{column: value})
        return
    with pytest.raises(psycopg.errors.CheckViolation, match=f"complaints_{column}_check"):
        insert_complaint(conn, **{column: value})


@pytest.mark.parametrize(
    "source, allowed",
    [("a" * 64, True), ("a-1", True), ("a" * 65, False), ("", False), ("A", False)],
)
def test_source_check_keeps_its_rule(conn: Conn, source: str, allowed: bool) -> None:
    if allowed:
        insert_complaint(conn, source=source)
        return
    with pytest.raises(psycopg.errors.CheckViolation, match="complaints_source_check"):
        insert_complaint(conn, source=source)


@pytest.mark.parametrize(
    "sha, allowed", [("a" * 64, True), ("a" * 63, False), ("A" * 64, False), ("g" * 64, False)]
)
def test_evidence_sha256_check_keeps_its_rule(conn: Conn, sha: str, allowed: bool) -> None:
    cid = insert_complaint(conn)
    insert = (
        "INSERT INTO evidence_items (complaint_id, position, submitted_by_role,"
        " submitted_by_id, key, kind, content_type, size, sha256)"
        " VALUES (%s, 0, 'buyer', 'b1', 'evidence/b1/x.jpg', 'photo', 'image/jpeg', 1, %s)"
    )
    if allowed:
        conn.execute(insert, (cid, sha))
        return
    with pytest.raises(psycopg.errors.CheckViolation, match="evidence_items_sha256_check"):
        conn.execute(insert, (cid, sha))
