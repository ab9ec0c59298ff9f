"""1,000 generated complaints through real dramatiq worker processes and the relay, with
real evidence objects in SeaweedFS and a kill -9 of the workers mid-run.

Expected outcomes come from the generator's labels (how each sample was built), never from
the code under test."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import psycopg
import pytest

from pipeline.adapters.s3 import make_s3_client
from pipeline.processes import Fleet
from pipeline.progress import read_progress, wait_until_settled
from pipeline.sample import Generator, upload_all
from pipeline.settings import Settings
from tests.expectations import verify_exactly_once, verify_outcomes
from tests.upstream import send

pytestmark = pytest.mark.acceptance

COUNT = 1000


def test_thousand_complaints_reach_predicted_statuses_through_a_worker_kill(
    settings: Settings, fleet: Fleet
) -> None:
    gen = Generator(seed=2026, now=datetime.now(UTC), source="acceptance")
    samples = gen.generate(COUNT)
    upload_all(make_s3_client(settings, max_pool=32), settings.s3_bucket, gen.uploads)
    assert {s.case for s in samples} >= {"valid", "duplicate", "invalid_schema", "traversal"}

    fleet.start_workers()
    fleet.start_relay()
    send(settings, [s.payload for s in samples])

    # kill -9 the workers (parent and forked children) mid-run, then start them again.
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        deadline = time.monotonic() + 120
        while read_progress(conn, "acceptance").dispatched < COUNT // 5:
            assert time.monotonic() < deadline, "pipeline made no progress before the kill"
            time.sleep(0.1)
        fleet.kill("workers")
        killed_at = read_progress(conn, "acceptance")
    assert not killed_at.settled(len(samples)), "kill came too late to test anything"
    fleet.start_workers("workers-restarted")

    progress = wait_until_settled(settings.database_url, "acceptance", len(samples), timeout=240)
    assert progress.arrived == len(samples)

    verify_outcomes(settings.database_url, samples)
    # Exactly-once effects despite the kill: contiguous events, none repeated, each
    # notification delivered once, each dispatch counted once on the merchant's scorecard.
    verify_exactly_once(settings.database_url, settings.redis_url)
