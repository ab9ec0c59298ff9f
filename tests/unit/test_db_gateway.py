"""One gateway to the database: only the modules of pipeline/db name a query of
queries.sql; handlers, views, routes, workers, the CLI and the benchmarks call their
functions (pipeline.db.gateway)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from pipeline.db.queries import _load
from pipeline.db.store import Store

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "pipeline" / "db"
CHECKED = ("pipeline", "workers", "benchmarks", "tests")
#: Imports that hand out statements by name: only the gateway uses them.
STATEMENT_MODULES = {"pipeline.db.queries", "pipeline.db.gateway"}


def outside_gateway() -> Iterator[Path]:
    for top in CHECKED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if GATEWAY not in path.parents and path != Path(__file__).resolve():
                yield path


def violations(source: str, where: str, names: set[str]) -> Iterator[str]:
    """Where `source` names a query: imports the statement modules, or passes a query's
    name to a call (store.one("get_complaint", ...), q("work_list"))."""
    tree = ast.parse(source, filename=where)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in STATEMENT_MODULES:
            yield f"{where}:{node.lineno}: imports {node.module}"
        elif isinstance(node, ast.ImportFrom) and node.module == "pipeline.db":
            for alias in node.names:
                if f"pipeline.db.{alias.name}" in STATEMENT_MODULES:
                    yield f"{where}:{node.lineno}: imports pipeline.db.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in STATEMENT_MODULES:
                    yield f"{where}:{node.lineno}: imports {alias.name}"
        elif isinstance(node, ast.Call):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Constant) and arg.value in names:
                    yield f"{where}:{node.lineno}: names the query {arg.value!r}"


def test_only_the_gateway_names_queries() -> None:
    names = set(_load())
    found = [
        v
        for path in outside_gateway()
        for v in violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), names)
    ]
    assert found == [], "call a function of pipeline/db instead:\n" + "\n".join(found)


def test_the_check_finds_a_query_name_and_an_import() -> None:
    sample = (
        "from pipeline.db.queries import q\n"
        "def f(store, conn):\n"
        '    store.one("get_complaint", {"id": 1})\n'
        '    conn.execute(q(name="work_list"), {"work_list": 1})\n'
    )
    found = sorted(violations(sample, "sample.py", set(_load())))
    assert found == [
        "sample.py:1: imports pipeline.db.queries",
        "sample.py:3: names the query 'get_complaint'",
        "sample.py:4: names the query 'work_list'",
    ]


def test_the_unit_of_work_runs_no_statement_by_name() -> None:
    assert not {"one", "all", "run", "execute"} & set(dir(Store))
