"""Chaos suite: a 2,000-complaint workload through real workers, relay and scheduler while
processes and services are broken on purpose. Afterwards every complaint is in the state
its generator label predicts (as in an undisturbed run), events are contiguous and
unrepeated, every notification was delivered once, the outbox is empty and no message is
left in any queue. A report of each scenario goes to .local/chaos-report.jsonl."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dramatiq import Message

from pipeline.adapters.s3 import make_s3_client
from pipeline.processes import Fleet
from pipeline.sample import Generator, Sample, upload_all
from pipeline.settings import Settings
from tests.acceptance.conftest import fleet_env
from tests.chaos import faults
from tests.expectations import verify_exactly_once, verify_outcomes
from workers.broker import build_broker

pytestmark = pytest.mark.acceptance

COUNT = 2000
SOURCE = "chaos"
REPORT = faults.ROOT / ".local" / "chaos-report.jsonl"

Inject = Callable[[Fleet, Settings, int], list[str]]


def kill_workers_repeatedly(fleet: Fleet, settings: Settings, sent: int) -> list[str]:
    done = []
    faults.wait_for_progress(settings, SOURCE, 50)
    for _ in range(4):
        done.append(f"kill -9 worker process {faults.kill_random_worker_process(fleet)}")
        time.sleep(4)
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
    deadline = time.monotonic() + 180
    while True:  # every intake message consumed: only accepted work is in flight
        p = faults.progress(settings, SOURCE)
        if p is not None and p.arrived >= sent:
            break
        assert time.monotonic() < deadline
        time.sleep(0.2)
    faults.restart_redis(settings)
    return ["Redis restarted empty (all queues and in-flight messages lost)"]


def restart_postgres(fleet: Fleet, settings: Settings, sent: int) -> list[str]:
    faults.wait_for_progress(settings, SOURCE, 300)
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


def _send(settings: Settings, samples: list[Sample]) -> None:
    broker = build_broker(settings)
    for s in samples:
        broker.enqueue(
            Message(
                queue_name="intake", actor_name="intake", args=(s.payload,), kwargs={}, options={}
            )
        )
    broker.close()


def _settle(fleet: Fleet, settings: Settings, sent: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        for name in list(fleet.procs):  # a supervisor restarts what died
            faults.restart_if_dead(fleet, name)
        p = faults.progress(settings, SOURCE)
        if p is not None and p.settled(sent):
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
        "COMPLAINTS_REDRIVE_AFTER_SECONDS": "8",
        "COMPLAINTS_WORKER_MAX_RETRIES": "60",
        "COMPLAINTS_LOG_LEVEL": "WARNING",
    }
    fleet = Fleet(env=env, log_dir=tmp_path / "logs", processes=2, threads=4)
    started = time.monotonic()
    try:
        fleet.start_workers()
        fleet.start_relay()
        fleet.start_scheduler()
        if scenario == "two_relays_two_schedulers":
            fleet.start_relay("relay-b")
            fleet.start_scheduler("scheduler-b")
        _send(settings, samples)
        injected = SCENARIOS[scenario](fleet, settings, len(samples))
        _settle(fleet, settings, len(samples), timeout=420)
    finally:
        fleet.stop()
    elapsed = time.monotonic() - started
    verify_outcomes(settings.database_url, samples)
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
                    "at": datetime.now(UTC).isoformat(),
                }
            )
            + "\n"
        )
