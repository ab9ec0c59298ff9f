"""The gateway under dependency faults: a steady mix of single and batch submissions, reads,
actions and upload requests while Redis is stopped for 10 s and started empty, PostgreSQL is
restarted, and the S3 server is frozen for 10 s. No answer is a 500, every 503 says when to
retry, submissions keep being accepted while Redis is away and reach their status once it
is back, and within 5 s of each recovery every request succeeds again."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from pipeline.processes import Fleet
from pipeline.settings import Settings
from tests.acceptance.conftest import fleet_env
from tests.api_server import serving
from tests.chaos import faults
from tests.factories import complaint_payload
from tests.inline import action

pytestmark = pytest.mark.acceptance

INGEST = {"Authorization": "Bearer ingest-token-0123456789"}
READ = {"Authorization": "Bearer reader-token-0123456789"}
MERCHANT = {"Authorization": "Bearer merchant-token-012345678"}
BUYER = {"Authorization": "Bearer buyer-token-01234567890"}
SOURCE = "gateway-faults"
#: Every request after a recovery plus this many seconds must succeed.
RECOVERY_SECONDS = 5.0


@dataclass(frozen=True)
class Answer:
    kind: str
    started: float
    status: int  # 0: no answer (the client gave up)
    retry_after: str | None
    accepted_ids: tuple[str, ...]


_numbers = itertools.count()


def _complaint() -> dict[str, Any]:
    """In scope, needing no evidence: it goes on to wait for its merchant."""
    n = next(_numbers)
    return complaint_payload(
        source=SOURCE,
        external_id=f"gf-{n}",
        buyer_id=f"b-gf-{n}",
        order__order_id=f"o-gf-{n}",
        category="other",
        evidence=[],
    )


class Mix:
    """Clients sending one kind of request each, round and round, until stopped."""

    def __init__(self, url: str, forwarded: list[str]) -> None:
        self.url = url
        self.forwarded = forwarded
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        kinds: dict[str, Callable[[httpx.Client], tuple[httpx.Response, tuple[str, ...]]]] = {
            "single": self._single,
            "batch": self._batch,
            "read": self._read,
            "action": self._action,
            "upload": self._upload,
        }
        self.threads = [
            threading.Thread(target=self._loop, args=(kind, send), daemon=True)
            for kind, send in kinds.items()
        ]

    def _single(self, c: httpx.Client) -> tuple[httpx.Response, tuple[str, ...]]:
        r = c.post("/v1/complaints", json=_complaint(), headers=INGEST)
        return r, (r.json()["id"],) if r.status_code == 202 else ()

    def _batch(self, c: httpx.Client) -> tuple[httpx.Response, tuple[str, ...]]:
        items = [_complaint() for _ in range(3)]
        r = c.post("/v1/complaints/batch", json={"items": items}, headers=INGEST)
        ok = r.status_code == 200
        return r, tuple(x["id"] for x in r.json()["results"] if x["id"]) if ok else ()

    def _read(self, c: httpx.Client) -> tuple[httpx.Response, tuple[str, ...]]:
        return c.get(f"/v1/complaints/{self.forwarded[0]}", headers=READ), ()

    def _action(self, c: httpx.Client) -> tuple[httpx.Response, tuple[str, ...]]:
        cid = self.forwarded[next(_numbers) % len(self.forwarded)]
        message = action(cid, "merchant.message", "m_552", text="checking the order")
        return c.post(f"/v1/complaints/{cid}/actions", json=message, headers=MERCHANT), ()

    def _upload(self, c: httpx.Client) -> tuple[httpx.Response, tuple[str, ...]]:
        body = {
            "submitter": {"role": "buyer", "id": "b_10293"},
            "filename": "照片.jpg",
            "kind": "photo",
            "content_type": "image/jpeg",
            "size": 1000,
            "sha256": "0" * 64,
        }
        return c.post("/v1/evidence/uploads", json=body, headers=BUYER), ()

    def _loop(self, kind: str, send: Any) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    r, ids = send(client)
                    answer = Answer(kind, started, r.status_code, r.headers.get("retry-after"), ids)
                except httpx.HTTPError:
                    answer = Answer(kind, started, 0, None, ())
                with self._lock:
                    self.answers.append(answer)
                time.sleep(0.1)

    def __enter__(self) -> Mix:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self.threads:
            thread.join(60)


def _statuses(settings: Settings, ids: list[str]) -> dict[str, int]:
    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute(
            "SELECT status::text, count(*) FROM complaints WHERE id = ANY(%s::uuid[]) GROUP BY 1",
            (ids,),
        ).fetchall()
    return {status: int(n) for status, n in rows}


def _wait_for_status(settings: Settings, ids: list[str], status: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = _statuses(settings, ids)
        except psycopg.OperationalError:
            found = {}
        if found.get(status, 0) == len(ids):
            return
        assert time.monotonic() < deadline, f"not all {status}: {found}"
        time.sleep(0.5)


def test_gateway_degrades_and_recovers(settings: Settings, tmp_path: Path) -> None:
    env = {**fleet_env(settings), "COMPLAINTS_REDRIVE_AFTER_SECONDS": "5"}
    fleet = Fleet(env=env, log_dir=tmp_path / "logs", processes=2, threads=4)
    try:
        fleet.start_workers()
        fleet.start_relay()
        fleet.start_scheduler()
        with serving(settings) as url:
            seeded = [
                httpx.post(f"{url}/v1/complaints", json=_complaint(), headers=INGEST).json()["id"]
                for _ in range(4)
            ]
            _wait_for_status(settings, seeded, "awaiting_merchant", timeout=60)
            faulted: list[tuple[float, float]] = []  # (fault began, service back)
            with Mix(url, seeded) as mix:
                time.sleep(3)
                began = time.monotonic()
                faults.stop_redis(settings)
                time.sleep(10)
                faults.start_redis(settings)
                faulted.append((began, time.monotonic()))
                time.sleep(RECOVERY_SECONDS + 3)
                began = time.monotonic()
                faults.restart_postgres()
                faulted.append((began, time.monotonic()))
                time.sleep(RECOVERY_SECONDS + 3)
                began = time.monotonic()
                faults.freeze_s3(10)
                faulted.append((began, time.monotonic()))
                time.sleep(RECOVERY_SECONDS + 3)
                ended = time.monotonic()
            answers = list(mix.answers)
        _check_answers(answers, faulted, ended)
        redis_down, redis_up = faulted[0]
        while_away = [
            i
            for a in answers
            if redis_down <= a.started < redis_up and a.kind in ("single", "batch")
            for i in a.accepted_ids
        ]
        assert while_away, "no submission was accepted while Redis was away"
        accepted = [i for a in answers for i in a.accepted_ids]
        _wait_for_status(settings, accepted, "awaiting_merchant", timeout=180)
    finally:
        fleet.stop()


def _check_answers(answers: list[Answer], faulted: list[tuple[float, float]], ended: float) -> None:
    """No 500s, no unanswered requests, Retry-After on every 503, and all 2xx again from
    RECOVERY_SECONDS after each recovery until the next fault."""
    assert len(answers) > 200, len(answers)
    wrong = [a for a in answers if a.status == 0 or (a.status >= 500 and a.status != 503)]
    assert not wrong, wrong[:5]
    assert all(a.retry_after for a in answers if a.status == 503)
    starts = [began for began, _ in faulted[1:]] + [ended]
    windows = [
        (back + RECOVERY_SECONDS, nxt) for (_, back), nxt in zip(faulted, starts, strict=True)
    ]
    settled = [a for a in answers if any(lo <= a.started < hi for lo, hi in windows)]
    assert len({a.kind for a in settled}) == 5, "every kind of request ran after recoveries"
    late = [a for a in settled if not 200 <= a.status < 300]
    assert not late, late[:5]
