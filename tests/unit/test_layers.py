"""Layers point one way: schemas/ (the messages and their vocabulary) imports no pipeline
or workers code, so an upstream producer can take the schemas alone."""

from __future__ import annotations

import ast
from pathlib import Path

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
FORBIDDEN = ("pipeline", "workers", "benchmarks")


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def offending(path: Path) -> set[str]:
    return {m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN}


def test_no_module_under_schemas_imports_pipeline_code() -> None:
    modules = sorted(SCHEMAS.rglob("*.py"))
    assert len(modules) >= 4  # the scan found the package
    assert {str(p.relative_to(SCHEMAS)): offending(p) for p in modules if offending(p)} == {}


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from pipeline.api.app import create_app\n    import workers\n")
    assert offending(module) == {"pipeline.api.app", "workers"}
