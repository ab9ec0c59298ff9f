"""The SLA figure's data set, against a real database: the seed leaves `due` clocks due
among the open ones, and each further run arms as many more, never one already due."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from benchmarks.env import BenchEnv
from benchmarks.sla_bench import arm_next, seed_deadlines
from pipeline.settings import Settings

pytestmark = pytest.mark.integration

DUE_SQL = (
    "SELECT count(*) FILTER (WHERE due_at <= now()), count(*) FROM deadlines WHERE state = 'open'"
)


def due_and_open(env: BenchEnv) -> tuple[int, int]:
    with psycopg.connect(env.settings.database_url) as conn:
        row = conn.execute(DUE_SQL).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def test_each_run_arms_as_many_more_clocks(settings: Settings, tmp_path: Path) -> None:
    env = BenchEnv(settings, tmp_path)
    seed_deadlines(env, "sla-test", 50, 5)
    assert due_and_open(env) == (5, 50)
    arm_next(env, "sla-test", 5)
    assert due_and_open(env) == (10, 50)
    with pytest.raises(RuntimeError, match="only 40 of 45 open clocks"):
        arm_next(env, "sla-test", 45)
