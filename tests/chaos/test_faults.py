"""Chaos suite: a 2,000-complaint workload through real workers, relay and scheduler while
processes and services are broken on purpose. Afterwards every complaint is in the state
its generator label predicts (as in an undisturbed run), events are contiguous and
unrepeated, every notification was delivered once, the outbox is empty and no message is
left in any queue. A report of each scenario goes to .local/chaos-report.jsonl."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from dramatiq import Message

from pipeline.adapters.s3 import make_s3_client
from pipeline.processes import Fleet
from pipeline.sample import Generator, Sample, upload_all
from pipeline.settings import Settings
from tests.acceptance.conftest import fleet_env
from tests.chaos import faults
from tests.expectations import verify_exactly_once, verify_outcomes
from tests.upstream import send
from workers.broker import build_broker

pytestmark = pytest.mark.acceptance

COUNT = 1000  # per scenario; faults start within the first few hundred
SOURCE = "chaos"
#: Short buyer-offer and remedy windows (hours; about 7 s each) so deadlines fire in the run.
WINDOWS = '{"merchant_proposed": 0.002, "awaiting_return": 0.002}'

REPORT = faults.ROOT / ".local" / "chaos-report.jsonl"

Inject = Callable[[Fleet, Settings, int], list[str]]


def kill_workers_repeatedly(fleet: Fleet, settings: Settings, sent: int) -> list[str]:
    done = []
    faults.wait_for_progress(settings, SOURCE, 50)
    for _ in range(3):
        done.append(f"kill -9 worker process {faults.kill_random_worker_process(fleet)}")
        time.sleep(3)
    return done


def kill_relay_and_scheduler(fleet: Fleet, settings: Settings, sent: int) -> list[str]:
    done = []
    faults.wait_for_progress(settings, SOURCE, 50)
    for _ in range(4):
        fleet.kill("relay")
        fleet.kill("scheduler")
        done.append("kill -9 relay and scheduler")
        time.sleep(1.5)
        fleet.start_relay()
        fleet.start_scheduler()
        time.sleep(2)
    return done


def restart_redis_empty(fleet: Fleet, settings: Settings, sent: int) -> list[str]:
    """Restart Redis while accepted work is certainly queued in it: the relay is held until
    every intake message is consumed (those come from upstream, not the outbox, so losing
    them would be upstream's loss), then it publishes, and Redis goes down right after."""
    fleet.kill("relay")
    deadline = time.monotonic() + 180
    while True:
        p = faults.progress(settings, SOURCE)
        if p is not None and p.arrived >= sent:
            break
        assert time.monotonic() < deadline
        time.sleep(0.2)
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        # Nothing adds outbox rows now (intake is done, the rest waits on the relay), so a
        # smaller outbox means the relay published.
        (held,) = conn.execute("SELECT count(*) FROM outbox").fetchone() or (0,)
        fleet.start_relay()
        while (conn.execute("SELECT count(*) FROM outbox").fetchone() or (0,))[0] >= held:
            assert time.monotonic() < deadline, "the relay published nothing"
            time.sleep(0.05)
    faults.restart_redis(settings)
    return ["relay held until intake was consumed; Redis restarted empty as it published"]


def restart_postgres(fleet: Fleet, settings: Settings, sent: int) -> list[str]:
    faults.wait_for_progress(settings, SOURCE, 100)  # of ~280 dispatched in all
    faults.restart_postgres()
    return ["PostgreSQL restarted under load"]


def s3_outage(fleet: Fleet, settings: Settings, sent: int) -> list[str]:
    faults.wait_for_progress(settings, SOURCE, 100)
    faults.freeze_s3(30)
    return ["S3 server stopped answering for 30 s"]


def two_of_each(fleet: Fleet, settings: Settings, sent: int) -> list[str]:
    return ["two relays and two schedulers ran throughout"]


SCENARIOS: dict[str, Inject] = {
    "kill_workers": kill_workers_repeatedly,
    "kill_relay_scheduler": kill_relay_and_scheduler,
    "redis_restart": restart_redis_empty,
    "postgres_restart": restart_postgres,
    "s3_outage": s3_outage,
    "two_relays_two_schedulers": two_of_each,
}


def act_on(samples: list[Sample]) -> list[Sample]:
    """Every third in-scope complaint gets a merchant offer (an exchange) that nobody
    answers: the offer deadline accepts it, and the buyer never sends the goods back, so
    the return deadline closes it for the merchant → closed."""
    return [
        s
        for i, s in enumerate(samples)
        if s.case == "valid" and s.expected_status == "awaiting_merchant" and i % 3 == 0
    ]


class ActionSender(threading.Thread):
    """Sends merchant.accept for each target once it waits on its merchant; resends (same
    idempotency key) while it still waits, as an upstream system would after a fault."""

    def __init__(self, settings: Settings, targets: list[Sample]) -> None:
        super().__init__(daemon=True)
        self.settings, self.stop = settings, threading.Event()
        self.merchants = {s.payload["external_id"]: s.payload["merchant_id"] for s in targets}

    def _round(self, broker: Any) -> None:
        with psycopg.connect(self.settings.database_url, connect_timeout=3) as conn:
            waiting = conn.execute(
                "SELECT external_id, id::text FROM complaints WHERE status = 'awaiting_merchant'"
            ).fetchall()
        for ext, cid in waiting:
            if ext in self.merchants:
                payload = {
                    "schema": "action.v1",
                    "complaint_id": cid,
                    "action": "merchant.accept",
                    "actor": {"role": "merchant", "id": self.merchants[ext]},
                    "idempotency_key": f"chaos-{ext}",
                    "remedy": {"type": "exchange"},
                }
                broker.enqueue(
                    Message(
                        queue_name="actions",
                        actor_name="act",
                        args=(payload,),
                        kwargs={},
                        options={},
                    )
                )

    def run(self) -> None:
        broker = build_broker(self.settings)
        while not self.stop.wait(2.0):
            try:
                self._round(broker)
            except (psycopg.OperationalError, redis.RedisError, OSError):
                continue  # the fault under test; try again on the next round


def _settle(fleet: Fleet, settings: Settings, sent: int, closed: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        for name in list(fleet.procs):  # a supervisor restarts what died
            faults.restart_if_dead(fleet, name)
        p = faults.progress(settings, SOURCE)
        done = p is not None and p.settled(sent)
        if done and faults.count_status(settings, "closed") >= closed:
            if faults.queues_empty(settings):
                return
        assert time.monotonic() < deadline, f"did not settle: {p}"
        time.sleep(0.5)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_pipeline_survives(settings: Settings, tmp_path: Path, scenario: str) -> None:
    gen = Generator(seed=7, now=datetime.now(UTC), source=SOURCE)
    samples = gen.generate(COUNT)
    upload_all(make_s3_client(settings, max_pool=32), settings.s3_bucket, gen.uploads)
    env = {
        **fleet_env(settings),
        "COMPLAINTS_REDRIVE_AFTER_SECONDS": "5",
        "COMPLAINTS_WORKER_MAX_RETRIES": "60",
        "COMPLAINTS_LOG_LEVEL": "WARNING",
        "COMPLAINTS_SLA_WINDOWS": WINDOWS,
        # Small stage groups: many messages per relay batch, more than the workers
        # prefetch, so faults meet work still queued in Redis (with groups of 40 a batch
        # of this test's size fits in the prefetch, and a Redis restart lost nothing).
        "COMPLAINTS_STAGE_GROUP_SIZE": "5",
    }
    targets = act_on(samples)
    sender = ActionSender(settings, targets)
    fleet = Fleet(env=env, log_dir=tmp_path / "logs", processes=2, threads=4)
    started = time.monotonic()
    try:
        fleet.start_workers()
        fleet.start_relay()
        fleet.start_scheduler()
        if scenario == "two_relays_two_schedulers":
            fleet.start_relay("relay-b")
            fleet.start_scheduler("scheduler-b")
        send(settings, [s.payload for s in samples])
        sender.start()
        injected = SCENARIOS[scenario](fleet, settings, len(samples))
        _settle(fleet, settings, len(samples), len(targets), timeout=420)
    finally:
        sender.stop.set()
        sender.join(10)
        fleet.stop()
    elapsed = time.monotonic() - started
    acted = {id(s) for s in targets}
    expected = [replace(s, expected_status="closed") if id(s) in acted else s for s in samples]
    verify_outcomes(settings.database_url, expected)
    assert faults.fired_twice(settings) == []
    assert faults.count_events(settings, "sla.offer_timeout") == len(targets)
    assert faults.count_events(settings, "sla.return_not_shipped") == len(targets)
    verify_exactly_once(settings.database_url, settings.redis_url)
    redriven = faults.counter(settings, "redriven")
    if scenario == "redis_restart":
        assert redriven > 0, "the restart came too late to lose any in-flight message"
    REPORT.parent.mkdir(exist_ok=True)
    with REPORT.open("a") as f:
        f.write(
            json.dumps(
                {
                    "scenario": scenario,
                    "complaints": len(samples),
                    "faults": injected,
                    "seconds": round(elapsed, 1),
                    "redriven": redriven,
                    "at": datetime.now(UTC).isoformat(),
                }
            )
            + "\n"
        )
