"""Adding a category is one table row plus its enum migration: in this test's scratch
database the `complaint_category` type gains a value, a categories file adds the row, and
real worker processes given that file take a complaint of the new category to the merchant
through the new category's own queue, with the row's evidence rule and merchant window."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from pipeline.adapters.s3 import make_s3_client
from pipeline.domain.routing import STAGE_QUEUES
from pipeline.processes import Fleet
from pipeline.settings import Settings
from tests.acceptance.conftest import fleet_env
from tests.factories import JPEG, complaint_payload
from tests.upstream import send

pytestmark = pytest.mark.acceptance

ROW = {
    "name": "pet_health",
    "name_zh": "宠物健康",
    "name_en": "Pet health",
    "window_days": 30,
    "window_anchor": "delivered",
    "evidence": [["photo", "video"]],
    "sla_hours": {"awaiting_merchant": 24},
    "urgency": 1,
}
#: The migration a real release would ship (an Alembic revision running this statement).
MIGRATION = "ALTER TYPE complaint_category ADD VALUE 'pet_health'"


def wait_for(conn: psycopg.Connection[dict[str, object]], external_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 15
    while True:
        row = conn.execute(
            "SELECT id, status, category::text AS category, route_queue FROM complaints"
            " WHERE external_id = %s",
            (external_id,),
        ).fetchone()
        if row is not None and row["status"] == "awaiting_merchant":
            return row
        assert time.monotonic() < deadline, f"not at the merchant within 15 s: {row}"
        time.sleep(0.1)


def test_a_category_added_by_one_row_and_its_migration_runs_end_to_end(
    settings: Settings, tmp_path: Path
) -> None:
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(MIGRATION)
    rows = tmp_path / "categories.json"
    rows.write_text(json.dumps([ROW]), encoding="utf-8")
    payload = complaint_payload(category="pet_health", external_id="pet-1")
    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key=payload["evidence"][0]["key"], Body=JPEG
    )

    env = {**fleet_env(settings), "COMPLAINTS_CATEGORIES_FILE": str(rows)}
    fleet = Fleet(env=env, log_dir=tmp_path / "logs", processes=1, threads=4)
    try:
        # Only the stage queues and the new category's: no other handling queue is consumed,
        # and `complaints worker` refuses a queue the table does not know.
        fleet.start_workers(queues=(*STAGE_QUEUES, "handle.pet_health"))
        fleet.start_relay()
        send(settings, [payload])
        with psycopg.connect(
            settings.database_url, autocommit=True, row_factory=psycopg.rows.dict_row
        ) as conn:
            c = wait_for(conn, "pet-1")
            clock = conn.execute(
                "SELECT due_at - started_at AS window FROM deadlines"
                " WHERE complaint_id = %s AND kind = 'merchant_answer'",
                (c["id"],),
            ).fetchone()
    finally:
        fleet.stop()
    assert (c["category"], c["route_queue"]) == ("pet_health", "handle.pet_health")
    assert clock is not None and clock["window"] == timedelta(hours=24)  # the row's, not 72 h
