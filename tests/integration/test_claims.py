"""Staff queues and claims on a real gateway over real PostgreSQL, Redis and SeaweedFS: one
holder at a time, a lease that expires, events on the audited timeline."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest

from pipeline.adapters.s3 import make_s3_client
from pipeline.audit_verify import verify
from pipeline.db.pool import opened_pool
from pipeline.db.store import unit_of_work
from pipeline.handlers.claims import claim_holder
from pipeline.settings import Settings
from tests.api_server import as_party, problem_code, serving
from tests.factories import JPEG, complaint_payload
from tests.inline import action, drain_outbox
from workers.runtime import bound

pytestmark = pytest.mark.integration

INGEST = {"Authorization": "Bearer ingest-token-0123456789"}
ANN = as_party("staff", "s_ann", "review")
BOB = as_party("staff", "s_bob", "review", "arbitrate")
ARBITER = as_party("staff", "s_cho", "arbitrate")


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with serving(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def flagged(api: httpx.Client, settings: Settings, n: int = 1) -> str:
    """A complaint the review flags for a person (claim above the manual-review amount)."""
    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG
    )
    payload = complaint_payload(
        external_id=f"big-{n}",
        order__order_id=f"o-big-{n}",
        order__amount_cents=900_000,
        claimed_amount_cents=900_000,
    )
    cid = str(api.post("/v1/complaints", json=payload, headers=INGEST).json()["id"])
    with bound(settings):
        drain_outbox(settings)
    view = api.get(f"/v1/complaints/{cid}", headers=ANN).json()
    assert (view["status"], view["stage"]) == ("in_review", "manual_review"), view
    return cid


def queue(api: httpx.Client, name: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    r = api.get(f"/v1/queues/{name}", headers=headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_two_staff_claiming_at_once_one_gets_it(api: httpx.Client, settings: Settings) -> None:
    cid = flagged(api, settings)
    assert [i["id"] for i in queue(api, "manual_review", ANN)] == [cid]
    start = threading.Barrier(2)
    answers: dict[str, httpx.Response] = {}

    def take(name: str, headers: dict[str, str]) -> None:
        with httpx.Client(base_url=str(api.base_url), timeout=30) as own:
            start.wait()
            answers[name] = own.post(f"/v1/complaints/{cid}/claim", headers=headers)

    threads = [threading.Thread(target=take, args=a) for a in (("ann", ANN), ("bob", BOB))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in answers.values())
    assert codes == [200, 409], {k: r.text for k, r in answers.items()}
    winner = next(k for k, r in answers.items() if r.status_code == 200)
    loser = next(r for r in answers.values() if r.status_code == 409)
    assert problem_code(loser) == "claimed_by_another"
    assert loser.json()["title"] == "Another staff member is working this complaint"
    again = api.post(
        f"/v1/complaints/{cid}/claim",
        headers={**(BOB if winner == "ann" else ANN), "Accept-Language": "zh-CN"},
    )
    assert again.status_code == 409 and again.json()["title"] == "其他小二正在处理该投诉"
    holder = f"s_{winner}"
    other = BOB if winner == "ann" else ANN
    view = api.get(f"/v1/complaints/{cid}", headers=ANN).json()
    assert view["claim"]["holder"] == holder
    assert view["claim"]["lease_expires_at"] == answers[winner].json()["lease_expires_at"]
    # Held: gone from the other's queue, still in the holder's, with holder and lease.
    assert queue(api, "manual_review", other) == []
    mine = queue(api, "manual_review", ANN if winner == "ann" else BOB)
    assert mine[0]["holder"] == holder and mine[0]["lease_expires_at"]
    r = api.post(f"/v1/complaints/{cid}/release", headers=other)
    assert r.status_code == 409 and problem_code(r) == "not_holder"
    with psycopg.connect(settings.database_url) as conn:
        events = [
            e
            for (e,) in conn.execute(
                "SELECT event FROM complaint_events WHERE complaint_id = %s ORDER BY seq", (cid,)
            )
        ]
        assert events.count("platform.claim") == 1
        assert list(verify(conn)) == []  # the claim's event is on the hash chain


def test_release_and_an_expired_lease_return_it_to_the_queue(
    api: httpx.Client, settings: Settings
) -> None:
    cid = flagged(api, settings)
    assert api.post(f"/v1/complaints/{cid}/claim", headers=ANN).status_code == 200
    assert api.post(f"/v1/complaints/{cid}/claim", headers=BOB).status_code == 409
    released = api.post(f"/v1/complaints/{cid}/release", headers=ANN)
    assert released.status_code == 200 and released.json()["holder"] is None
    assert api.get(f"/v1/complaints/{cid}", headers=ANN).json()["claim"] is None
    assert api.post(f"/v1/complaints/{cid}/claim", headers=ANN).status_code == 200
    with psycopg.connect(settings.database_url) as conn:  # Ann's lease runs out
        conn.execute(
            "UPDATE complaints SET claim_expires_at = now() - interval '1 second' WHERE id = %s",
            (cid,),
        )
    assert [i["id"] for i in queue(api, "manual_review", BOB)] == [cid]
    assert api.get(f"/v1/complaints/{cid}", headers=BOB).json()["claim"] is None
    taken = api.post(f"/v1/complaints/{cid}/claim", headers=BOB)
    assert taken.status_code == 200 and taken.json()["holder"] == "s_bob"
    events = api.get(f"/v1/complaints/{cid}/events", headers=BOB).json()["events"]
    claims = [(e["event"], e["actor_id"]) for e in events if e["event"].startswith("platform.")]
    assert claims == [
        ("platform.claim", "s_ann"),
        ("platform.release", "s_ann"),
        ("platform.claim", "s_ann"),
        ("platform.claim", "s_bob"),
    ]
    with psycopg.connect(settings.database_url) as conn:
        assert list(verify(conn)) == []


def test_claim_holder_for_the_action_handler(api: httpx.Client, settings: Settings) -> None:
    cid = flagged(api, settings)
    with opened_pool(settings.database_url, 2, "test-claims") as pool:
        with unit_of_work(pool) as store:
            assert claim_holder(store, cid, datetime.now(UTC)) is None
        api.post(f"/v1/complaints/{cid}/claim", headers=ANN)
        with unit_of_work(pool) as store:
            assert claim_holder(store, cid, datetime.now(UTC)) == "s_ann"
            assert claim_holder(store, cid, datetime.now(UTC) + timedelta(hours=1)) is None


def test_deciding_takes_it_out_of_the_queue_and_clears_the_claim(
    api: httpx.Client, settings: Settings
) -> None:
    cid = flagged(api, settings)
    api.post(f"/v1/complaints/{cid}/claim", headers=ANN)
    approve = action(cid, "platform.approve_review", "s_ann")
    r = api.post(f"/v1/complaints/{cid}/actions", json=approve, headers=ANN)
    assert r.status_code == 200, r.text
    view = api.get(f"/v1/complaints/{cid}", headers=ANN).json()
    assert view["stage"] != "manual_review" and view["claim"] is None
    assert queue(api, "manual_review", BOB) == []
    r = api.post(f"/v1/complaints/{cid}/claim", headers=BOB)
    assert r.status_code == 409 and problem_code(r) == "not_in_queue"


def test_who_may_work_which_queue(api: httpx.Client, settings: Settings) -> None:
    cid = flagged(api, settings)
    r = api.post(f"/v1/complaints/{cid}/claim", headers=ARBITER)  # no review grant
    assert r.status_code == 403 and problem_code(r) == "grant_required"
    assert api.get("/v1/queues/manual_review", headers=ARBITER).status_code == 403
    assert api.get("/v1/queues/arbitration", headers=ARBITER).json()["items"] == []
    for headers in (as_party("buyer", "b_10293"), as_party("merchant", "m_552"), INGEST):
        assert api.post(f"/v1/complaints/{cid}/claim", headers=headers).status_code == 403
        assert api.get("/v1/queues/manual_review", headers=headers).status_code == 403
    assert api.get("/v1/queues/nothing", headers=ANN).status_code == 404
    unknown = "00000000-0000-4000-8000-000000000000"
    assert api.post(f"/v1/complaints/{unknown}/claim", headers=ANN).status_code == 404


def test_the_arbitration_queue(api: httpx.Client, settings: Settings) -> None:
    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG
    )
    cid = api.post("/v1/complaints", json=complaint_payload(), headers=INGEST).json()["id"]
    with bound(settings):
        drain_outbox(settings)
        dispute = action(cid, "merchant.dispute", "m_552", text="货物无质量问题")
        r = api.post(
            f"/v1/complaints/{cid}/actions", json=dispute, headers=as_party("merchant", "m_552")
        )
        assert r.status_code == 200, r.text
    assert [i["id"] for i in queue(api, "arbitration", ARBITER)] == [cid]
    assert api.post(f"/v1/complaints/{cid}/claim", headers=ANN).status_code == 403
    assert api.post(f"/v1/complaints/{cid}/claim", headers=ARBITER).json()["queue"] == (
        "arbitration"
    )
    assert queue(api, "arbitration", BOB) == []
