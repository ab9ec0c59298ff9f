"""The benchmark's autovacuum stand-in, against a real database: it analyzes a table once
autovacuum's threshold of changed rows is passed, and an ANALYZE replaces a plan cached
while the table was empty."""

from __future__ import annotations

import psycopg
import pytest

from benchmarks.autovacuum import tend_once

pytestmark = pytest.mark.integration


def test_tables_past_the_threshold_are_analyzed_once(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ANALYZE")
        assert tend_once(conn) == []
        conn.execute(
            "INSERT INTO counters (name, value) SELECT 'c' || g, g FROM generate_series(1, 60) g"
        )
        conn.execute("SELECT pg_stat_force_next_flush()")
        assert tend_once(conn) == ["analyze counters"]
        assert tend_once(conn) == []


def test_an_analyze_replaces_a_plan_made_on_an_empty_table(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE probe (a int, b int, PRIMARY KEY (a, b))")
        conn.execute("VACUUM ANALYZE probe")
        conn.execute("PREPARE find (int, int) AS SELECT 1 FROM probe WHERE a = $1 AND b = $2")
        conn.execute("SET plan_cache_mode = force_generic_plan")

        def plan() -> str:
            rows = conn.execute("EXPLAIN EXECUTE find (1, 1)").fetchall()
            return "\n".join(r[0] for r in rows)

        assert "Seq Scan" in plan()
        conn.execute("INSERT INTO probe SELECT g, g FROM generate_series(1, 20000) g")
        assert "Seq Scan" in plan()  # still the plan made when the table was empty
        conn.execute("SELECT pg_stat_force_next_flush()")
        assert "analyze probe" in tend_once(conn)
        assert "Index" in plan()
