"""The Dramatiq seam's import-time check: the installed release is the pinned one and has
every private part the woken consumer and the batch publish rely on; otherwise importing
the seam fails with a message naming what is missing and what to re-check."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path
from typing import Any

import pytest
from dramatiq.brokers import redis as redis_broker

from workers import dramatiq_seam
from workers.dramatiq_seam import PINNED, DramatiqMismatch, check_dramatiq

ROOT = Path(__file__).resolve().parents[2]


def test_the_installed_dramatiq_passes() -> None:
    check_dramatiq()


def test_the_pin_is_the_same_in_constraints_pyproject_and_the_seam() -> None:
    constraints = re.search(r"^dramatiq==(\S+)$", (ROOT / "constraints.txt").read_text(), re.M)
    pyproject = re.search(r'"dramatiq\[redis\]==([^"]+)"', (ROOT / "pyproject.toml").read_text())
    assert constraints and pyproject
    assert constraints.group(1) == pyproject.group(1) == PINNED


def test_another_release_names_the_modules_to_re_check() -> None:
    with pytest.raises(DramatiqMismatch) as failed:
        check_dramatiq(version="2.3.0")
    assert str(failed.value) == (
        f"dramatiq 2.3.0 is not the pinned {PINNED}: re-check workers/woken_consumer.py and "
        "workers/publish.py against its source, then update PINNED in workers/dramatiq_seam.py"
    )


def test_a_missing_private_class_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(redis_broker, "_RedisConsumer")
    with pytest.raises(DramatiqMismatch, match=r"lacks .*dramatiq\.brokers\.redis\._RedisConsumer"):
        check_dramatiq()


def test_a_missing_broker_method_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(redis_broker.RedisBroker, "_max_unpack_size")
    with pytest.raises(DramatiqMismatch, match=r"RedisBroker\._max_unpack_size"):
        check_dramatiq()


def test_a_consumer_without_the_attributes_relied_upon_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def init(self: Any, broker: Any, queue_name: str, prefetch: int, timeout: int) -> None:
        self.message_cache, self.prefetch, self.timeout = [], prefetch, timeout

    monkeypatch.setattr(redis_broker._RedisConsumer, "__init__", init)
    with pytest.raises(DramatiqMismatch) as failed:
        check_dramatiq()
    assert "_RedisConsumer().queued_message_ids" in str(failed.value)
    assert "_RedisConsumer().misses" in str(failed.value)
    assert "message_cache" not in str(failed.value)


def test_a_changed_dispatch_script_layout_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    script = redis_broker._scripts["dispatch"].replace(b"do_maintenance, ", b"")
    monkeypatch.setitem(redis_broker._scripts, "dispatch", script)
    with pytest.raises(DramatiqMismatch, match="dispatch.lua's argument layout"):
        check_dramatiq()


def test_importing_the_seam_runs_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dramatiq.__version__", "3.0.0")
    try:
        with pytest.raises(RuntimeError, match="dramatiq 3.0.0 is not the pinned"):
            importlib.reload(dramatiq_seam)
    finally:
        monkeypatch.undo()
        importlib.reload(dramatiq_seam)


def test_only_the_seam_imports_dramatiqs_redis_broker_module() -> None:
    """Everything private of Dramatiq's comes through workers/dramatiq_seam.py."""
    importers = []
    for path in sorted((ROOT / "workers").rglob("*.py")) + sorted(
        (ROOT / "pipeline").rglob("*.py")
    ):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if any(n.startswith("dramatiq.brokers") for n in names):
                importers.append(str(path.relative_to(ROOT)))
    assert sorted(set(importers)) == ["workers/dramatiq_seam.py"]
