"""Production code never imports the benchmark harness, which stays outside the wheel."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_production_module_imports_benchmarks() -> None:
    importers = [
        str(path.relative_to(ROOT))
        for package in ("pipeline", "workers", "schemas")
        for path in sorted((ROOT / package).rglob("*.py"))
        if any(m == "benchmarks" or m.startswith("benchmarks.") for m in imported_modules(path))
    ]
    assert importers == []


def test_the_check_sees_an_import_of_benchmarks(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "def f():\n    from benchmarks.__main__ import main\n    import benchmarks.env\n"
    )
    assert imported_modules(module) == {"benchmarks.__main__", "benchmarks.env"}


def test_the_wheel_leaves_benchmarks_out() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert include == ["pipeline*", "workers*", "schemas*"]
    assert "benchmarks" not in (ROOT / "deploy" / "Dockerfile").read_text()
