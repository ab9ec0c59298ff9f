"""Two scheduler processes race over the same 5,000 due deadlines: each fires exactly once."""

from __future__ import annotations

import time

import psycopg
import pytest

from pipeline.processes import Fleet
from pipeline.settings import Settings

pytestmark = pytest.mark.acceptance

N = 5000


def _logged(fleet: Fleet, name: str, text: str) -> bool:
    path = fleet.log_dir / f"{name}.log"
    return path.exists() and text in path.read_text()


def test_two_schedulers_fire_each_deadline_once(settings: Settings, fleet: Fleet) -> None:
    # Small batches and short sleeps, so the two really interleave.
    fleet.env = {
        **fleet.env,
        "COMPLAINTS_SCHEDULER_BATCH_SIZE": "50",
        "COMPLAINTS_SCHEDULER_MAX_SLEEP_SECONDS": "0.1",
    }
    fleet.start_scheduler("scheduler-a")
    fleet.start_scheduler("scheduler-b")
    deadline = time.monotonic() + 60
    while not all(_logged(fleet, n, "scheduler started") for n in ("scheduler-a", "scheduler-b")):
        assert time.monotonic() < deadline, "schedulers did not start"
        time.sleep(0.1)
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO complaints (source, external_id, payload_sha256, status, stage, category,"
            " buyer_id, merchant_id, order_id, order_amount_cents, currency, paid_at,"
            " submitted_at, title, description, requested_remedy, claimed_amount_cents, version)"
            " SELECT 'race', 'c-' || g, repeat('0', 64), 'awaiting_merchant', 'parties',"
            " 'service', 'b_' || g, 'm_1', 'o_' || g, 1000, 'CNY', now(), now(), 't', 'd',"
            " 'refund', 10, 0 FROM generate_series(1, %s) g",
            (N,),
        )
        conn.execute(
            "INSERT INTO deadlines (complaint_id, kind, party, started_at, due_at, warn_at)"
            " SELECT id, 'merchant_answer', 'merchant', now() - interval '4 days',"
            " now() - interval '1 hour', now() - interval '2 days' FROM complaints"
        )
    deadline = time.monotonic() + 120
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        while conn.execute("SELECT count(*) FROM deadlines WHERE state = 'open'").fetchone() != (
            0,
        ):
            assert time.monotonic() < deadline, "schedulers did not fire every deadline"
            assert fleet.alive("scheduler-a") and fleet.alive("scheduler-b")
            time.sleep(0.2)
        fired = conn.execute(
            "SELECT count(*), count(DISTINCT payload ->> 'deadline_id') FROM outbox"
            " WHERE actor_name = 'sla_breach'"
        ).fetchone()
        states = conn.execute("SELECT state::text, count(*) FROM deadlines GROUP BY 1").fetchall()
    assert fired == (N, N)
    assert states == [("fired", N)]
    codes = fleet.stop()
    assert codes == {"scheduler-a": 0, "scheduler-b": 0}
    assert _logged(fleet, "scheduler-a", "deadlines fired")
    assert _logged(fleet, "scheduler-b", "deadlines fired"), "only one scheduler did any work"
