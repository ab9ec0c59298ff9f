"""GET /v1/merchants/{id}/scorecard: the numbers `complaints merchants` shows, for the
merchant itself, staff and readers; another merchant (or a buyer) gets 404."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from pipeline.adapters.s3 import make_s3_client
from pipeline.settings import Settings
from tests.api_server import as_party, problem_code, serving
from tests.cli import run_cli
from tests.factories import JPEG, complaint_payload
from tests.inline import action, drain_outbox
from workers.runtime import bound

pytestmark = pytest.mark.integration

INGEST = {"Authorization": "Bearer ingest-token-0123456789"}
READ = {"Authorization": "Bearer reader-token-0123456789"}
MERCHANT = as_party("merchant", "m_552")


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with serving(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def test_scorecard_for_the_merchant_staff_and_readers_only(
    api: httpx.Client, settings: Settings
) -> None:
    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG
    )
    ids = [
        api.post(
            "/v1/complaints",
            json=complaint_payload(external_id=f"s-{n}", order__order_id=f"o-{n}"),
            headers=INGEST,
        ).json()["id"]
        for n in range(3)
    ]
    with bound(settings):
        drain_outbox(settings)
        accept = action(ids[0], "merchant.accept", "m_552", remedy={"type": "exchange"})
        r = api.post(f"/v1/complaints/{ids[0]}/actions", json=accept, headers=MERCHANT)
        assert r.status_code == 200, r.text
    own = api.get("/v1/merchants/m_552/scorecard", headers=MERCHANT)
    assert own.status_code == 200, own.text
    card = own.json()
    assert (card["merchant_id"], card["received"], card["answered"]) == ("m_552", 3, 1)
    for headers in (as_party("staff", "s_1"), READ):
        seen = api.get("/v1/merchants/m_552/scorecard", headers=headers).json()
        assert {**seen, "since": None} == {**card, "since": None}
    for headers in (as_party("merchant", "m_other"), as_party("buyer", "b_10293")):
        r = api.get("/v1/merchants/m_552/scorecard", headers=headers)
        assert r.status_code == 404 and problem_code(r) == "not_found"
    # One implementation: the CLI's scorecard row is the endpoint's.
    out = run_cli(settings, "merchants", "--json", "--since", card["since"][:10])
    assert out.returncode == 0, out.stderr
    (row,) = json.loads(out.stdout)
    assert {k: row[k] for k in ("merchant_id", "received", "answered", "penalty_points")} == {
        k: card[k] for k in ("merchant_id", "received", "answered", "penalty_points")
    }
    # A merchant with nothing in the period: zeros, not 404.
    empty = api.get("/v1/merchants/m_quiet/scorecard", headers=as_party("merchant", "m_quiet"))
    assert empty.status_code == 200 and empty.json()["received"] == 0
