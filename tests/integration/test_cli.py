"""The `complaints` console script against a real database."""

from __future__ import annotations

import json
import subprocess

import pytest

from pipeline.settings import Settings
from tests.cli import run_cli

pytestmark = pytest.mark.integration


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(settings, *args)


def test_help_lists_every_command(base_settings: Settings) -> None:
    out = cli(base_settings, "--help").stdout
    for command in ("migrate", "worker", "relay", "demo", "show", "merchants", "config"):
        assert command in out


def test_show_and_merchants(database_url: str, base_settings: Settings) -> None:
    from dataclasses import replace

    settings = replace(base_settings, database_url=database_url)
    missing = cli(settings, "show", "00000000-0000-0000-0000-000000000000")
    assert missing.returncode == 1 and "no complaint" in missing.stderr
    card = cli(settings, "merchants", "--json", "--since", "2026-01-01")
    assert card.returncode == 0 and json.loads(card.stdout) == []
    bad = cli(settings, "merchants", "--since", "last week")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def test_config_masks_secrets(base_settings: Settings) -> None:
    shown = json.loads(cli(base_settings, "config").stdout)
    assert shown["settings"]["s3_secret_key"] == "***"


def test_relay_refuses_a_stage_group_size_below_one(base_settings: Settings) -> None:
    out = run_cli(base_settings, "relay", env={"COMPLAINTS_STAGE_GROUP_SIZE": "0"})
    assert out.returncode == 2
    assert "COMPLAINTS_STAGE_GROUP_SIZE" in out.stderr and "at least 1" in out.stderr


def test_demo_refuses_to_send_without_a_migrated_database(base_settings: Settings) -> None:
    from dataclasses import replace

    from pipeline.db.migrate import with_database

    absent = replace(
        base_settings, database_url=with_database(base_settings.database_url, "no_such_db_x")
    )
    out = cli(absent, "demo", "--count", "5")
    assert out.returncode == 2
    assert "complaints migrate" in out.stderr and "no_such_db_x" in out.stderr
    assert "Generating" not in out.stdout  # nothing generated, uploaded or sent


@pytest.mark.parametrize("args", [("status",), ("dlq", "list"), ("show", "x")])
def test_commands_say_plainly_when_the_database_is_not_there(
    base_settings: Settings, args: tuple[str, ...]
) -> None:
    """At once, with the database's own reason and no traceback, not after a pool's 30 s."""
    from dataclasses import replace

    from pipeline.db.migrate import with_database

    absent = replace(
        base_settings, database_url=with_database(base_settings.database_url, "no_such_db_y")
    )
    out = cli(absent, *args)
    assert out.returncode == 2
    assert "cannot reach PostgreSQL" in out.stderr and "no_such_db_y" in out.stderr
    assert "Traceback" not in out.stderr and "PoolTimeout" not in out.stderr
    assert absent.database_url.split("@")[0] not in out.stderr  # no credentials


def test_status_says_plainly_when_redis_is_not_there(settings: Settings) -> None:
    from dataclasses import replace

    away = replace(settings, redis_url="redis://:s3cret@127.0.0.1:1/0")  # nothing listens
    out = cli(away, "status")
    assert out.returncode == 2
    assert "cannot reach Redis" in out.stderr and "127.0.0.1:1" in out.stderr
    assert "Traceback" not in out.stderr and "s3cret" not in out.stderr
