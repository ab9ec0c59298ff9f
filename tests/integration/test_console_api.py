"""The routes the web console needs beside the party API, on a real gateway: operators'
status and dead letters (staff grant `operate`), a signed-in buyer filing a complaint, the
console's static pages and its local-only development sign-in."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest
import redis
from dramatiq import Message
from fastapi.testclient import TestClient

from pipeline.api.app import create_app
from pipeline.db import dead_letters
from pipeline.settings import Settings
from tests.api_server import as_party, problem_code, serving
from tests.cli import run_cli

pytestmark = pytest.mark.integration

OPERATOR = as_party("staff", "ops_1", "operate")
ARBITER = as_party("staff", "s_a", "arbitrate")
BUYER = as_party("buyer", "b_7")
MERCHANT = as_party("merchant", "m_7")
INGEST = {"Authorization": "Bearer ingest-token-0123456789"}


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with serving(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def dead_letter(settings: Settings, queue: str = "notify") -> tuple[int, str]:
    message = Message(queue_name=queue, actor_name=queue, args=("x",), kwargs={}, options={})
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        dead_letters.archive(
            conn,
            message.message_id,
            queue,
            queue,
            message.asdict(),
            "ValueError: the notifier said no",
        )
        row = conn.execute(
            "SELECT id FROM dead_letters WHERE message_id = %s", (message.message_id,)
        ).fetchone()
    assert row is not None
    return int(row[0]), message.message_id


def test_operators_see_the_status_snapshot_others_are_refused(api: httpx.Client) -> None:
    r = api.get("/v1/ops/status", headers=OPERATOR)
    assert r.status_code == 200, r.text
    body = r.json()
    assert {q["queue"] for q in body["queues"]} >= {"intake", "notify", "handle.counterfeit"}
    for key in ("live_workers", "outbox_backlog", "deadlines_warned", "dead_letters_pending"):
        assert isinstance(body[key], int), key
    for who in (ARBITER, BUYER, MERCHANT, INGEST):
        r = api.get("/v1/ops/status", headers=who)
        assert r.status_code == 403, r.text
        assert problem_code(r) == "forbidden"
    assert api.get("/v1/ops/status").status_code == 401


def test_an_operator_lists_and_replays_a_dead_letter_once(
    api: httpx.Client, settings: Settings
) -> None:
    letter, message_id = dead_letter(settings)
    listed = api.get("/v1/ops/dead-letters", headers=OPERATOR).json()["items"]
    assert [(i["id"], i["error"], i["replayed_at"]) for i in listed] == [
        (letter, "ValueError: the notifier said no", None)
    ]
    assert "payload" not in listed[0]
    assert api.post(f"/v1/ops/dead-letters/{letter}/replay", headers=ARBITER).status_code == 403

    r = api.post(f"/v1/ops/dead-letters/{letter}/replay", headers=OPERATOR)
    assert r.status_code == 200, r.text
    assert r.json() == {"id": letter, "replayed": 1}
    queued = redis.Redis.from_url(settings.redis_url).hgetall("dramatiq:notify.msgs")
    assert [json.loads(v)["message_id"] for v in queued.values()] == [message_id]
    again = api.post(f"/v1/ops/dead-letters/{letter}/replay", headers=OPERATOR)
    assert again.status_code == 409
    assert api.get("/v1/ops/dead-letters?pending=true", headers=OPERATOR).json()["items"] == []
    missing = api.post("/v1/ops/dead-letters/999999/replay", headers=OPERATOR)
    assert missing.status_code == 404
    assert problem_code(missing) == "not_found"


def filing(**overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    body: dict[str, object] = {
        "draft_id": uuid.uuid4().hex,
        "submitted_at": now.isoformat(),
        "merchant_id": "m_7",
        "order": {
            "order_id": "o_7",
            "amount_cents": 9900,
            "currency": "CNY",
            "paid_at": (now - timedelta(days=3)).isoformat(),
            "delivered_at": (now - timedelta(days=1)).isoformat(),
        },
        "category": "other",
        "title": "包装破损",
        "description": "外箱压坏了。",
        "requested_remedy": "refund",
        "claimed_amount_cents": 2000,
    }
    return {**body, **overrides}


def test_a_signed_in_buyer_files_as_themself(api: httpx.Client, settings: Settings) -> None:
    body = filing()
    r = api.post("/v1/my/complaints", json=body, headers=BUYER)
    assert r.status_code == 202, r.text
    cid = r.json()["id"]
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(
            "SELECT buyer_id, merchant_id, source, external_id FROM complaints WHERE id = %s",
            (cid,),
        ).fetchone()
    assert row == ("b_7", "m_7", "console", f"b_7.{body['draft_id']}")
    again = api.post("/v1/my/complaints", json=body, headers=BUYER)
    assert (again.status_code, again.json()["id"]) == (202, cid)
    assert again.headers["Idempotent-Replayed"] == "true"
    # The buyer is the token's; the body cannot name one.
    named = api.post("/v1/my/complaints", json=filing(buyer_id="b_other"), headers=BUYER)
    assert named.status_code == 422
    assert [e["path"] for e in named.json()["errors"]] == ["buyer_id"]
    for who in (MERCHANT, INGEST, OPERATOR):
        assert api.post("/v1/my/complaints", json=filing(), headers=who).status_code == 403
    # Other buyers do not see it.
    other = api.get(f"/v1/complaints/{cid}", headers=as_party("buyer", "b_8"))
    assert other.status_code == 404


def test_the_console_is_served_and_signs_in_demo_people_locally(
    api: httpx.Client, settings: Settings
) -> None:
    page = api.get("/console/")
    assert page.status_code == 200
    assert '<main id="view"' in page.text
    assert api.get("/console/js/app.js").headers["content-type"].startswith("text/javascript")
    categories = api.get("/console/js/categories.js")  # from the category table, not a file
    assert categories.headers["content-type"].startswith("text/javascript")
    assert '"counterfeit": "假冒商品"' in categories.text
    assert api.get("/").headers.get("location") == "/console/"
    minted = api.post("/console/dev/token", json={"role": "merchant", "sub": "m_7"})
    assert minted.status_code == 200, minted.text
    token = minted.json()["token"]
    mine = api.get("/v1/complaints", headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200
    people = api.get("/console/dev/people").json()["people"]
    assert {"role": "staff", "sub": "ops_1", "grants": ["operate"]} in people


def test_outside_local_runs_there_is_no_development_sign_in(settings: Settings) -> None:
    production = replace(settings, env="production", api_tokens="")
    client = TestClient(create_app(production))  # no lifespan: these paths need no pool
    assert client.post("/console/dev/token", json={"role": "staff", "sub": "x"}).status_code in (
        404,
        405,
    )
    assert client.get("/console/").status_code == 200


def preflight(settings: Settings, origin: str) -> httpx.Response:
    return httpx.options(
        f"{settings.s3_endpoint}/{settings.s3_bucket}/evidence/b_7/x.jpg",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type,x-amz-checksum-sha256",
        },
    )


def test_storage_init_lets_the_consoles_origin_upload_and_no_other(settings: Settings) -> None:
    done = run_cli(settings, "storage", "init", "--console-origin", "https://console.example")
    assert done.returncode == 0, done.stderr
    assert "CORS: the console at https://console.example may PUT and GET" in done.stdout
    allowed = preflight(settings, "https://console.example")
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://console.example"
    other = preflight(settings, "https://elsewhere.example")
    assert "access-control-allow-origin" not in other.headers
