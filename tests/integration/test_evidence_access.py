"""GET /v1/evidence/{complaint_id}/{index}: a presigned GET that really downloads the object
from SeaweedFS with the original (Chinese) file name and the checked content type, for the
parties entitled to the complaint only, each access on the audited timeline."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote

import httpx
import psycopg
import pytest

from pipeline.audit_verify import verify
from pipeline.settings import Settings
from tests.api_server import as_party, problem_code, serving
from tests.factories import JPEG, complaint_payload, sha
from tests.inline import drain_outbox
from workers.runtime import bound

pytestmark = pytest.mark.integration

INGEST = {"Authorization": "Bearer ingest-token-0123456789"}
READ = {"Authorization": "Bearer reader-token-0123456789"}
BUYER = as_party("buyer", "b_10293")
NAME = "坏点 照片(1).jpg"


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with serving(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def uploaded(api: httpx.Client) -> str:
    """Upload through the presigned PUT, as a buyer's app would; the object's key."""
    body = {
        "submitter": {"role": "buyer", "id": "b_10293"},
        "filename": f"DCIM/{NAME}",
        "kind": "photo",
        "content_type": "image/jpeg",
        "size": len(JPEG),
        "sha256": sha(JPEG),
    }
    r = api.post("/v1/evidence/uploads", json=body, headers=BUYER)
    assert r.status_code == 200, r.text
    up = r.json()
    assert up["key"].isascii()
    put = httpx.put(up["url"], content=JPEG, headers=up["headers"])
    assert put.status_code == 200, put.text
    return str(up["key"])


@pytest.fixture
def complaint(api: httpx.Client, settings: Settings) -> str:
    payload = complaint_payload()
    payload["evidence"][0]["key"] = uploaded(api)
    payload["evidence"].append(
        {**payload["evidence"][0], "key": "evidence/b_10293/never-uploaded.jpg"}
    )
    cid = str(api.post("/v1/complaints", json=payload, headers=INGEST).json()["id"])
    with bound(settings):
        drain_outbox(settings)
    view = api.get(f"/v1/complaints/{cid}", headers=READ).json()
    assert [e["verdict"] for e in view["evidence"]] == ["ok", "missing"], view
    return cid


def test_the_link_downloads_the_object_with_its_chinese_name_and_checked_type(
    api: httpx.Client, complaint: str
) -> None:
    r = api.get(f"/v1/evidence/{complaint}/0", headers=BUYER)
    assert r.status_code == 200, r.text
    link = r.json()
    assert link["filename"] == NAME and link["content_type"] == "image/jpeg"
    assert link["expires_in"] == 300 and "X-Amz-Signature" in link["url"]
    download = httpx.get(link["url"])
    assert download.status_code == 200, download.text
    assert download.content == JPEG
    assert download.headers["content-type"] == "image/jpeg"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded, encoding="utf-8", errors="strict") == NAME
    assert disposition.encode("latin-1").isascii()  # the header itself stays ASCII


def test_only_entitled_parties_get_a_link_and_each_access_is_recorded(
    api: httpx.Client, complaint: str, settings: Settings
) -> None:
    viewers = {
        "b_10293": BUYER,
        "m_552": as_party("merchant", "m_552"),
        "s_7": as_party("staff", "s_7", "arbitrate"),
    }
    for headers in viewers.values():
        assert api.get(f"/v1/evidence/{complaint}/0", headers=headers).status_code == 200
    assert api.get(f"/v1/evidence/{complaint}/0", headers=READ).status_code == 200
    for headers in (as_party("buyer", "b_other"), as_party("merchant", "m_other")):
        r = api.get(f"/v1/evidence/{complaint}/0", headers=headers)
        assert r.status_code == 404 and problem_code(r) == "not_found"
    assert api.get(f"/v1/evidence/{complaint}/9", headers=BUYER).status_code == 404
    missing = api.get(f"/v1/evidence/{complaint}/1", headers=BUYER)
    assert missing.status_code == 409 and problem_code(missing) == "evidence_not_viewable"
    events = api.get(f"/v1/complaints/{complaint}/events", headers=READ).json()["events"]
    viewed = [(e["actor_role"], e["actor_id"]) for e in events if e["event"] == "evidence.viewed"]
    assert viewed[:3] == [("buyer", "b_10293"), ("merchant", "m_552"), ("platform", "s_7")]
    assert len(viewed) == 4 and viewed[3][0] == "system"  # the API client, by its name
    assert all(e["data"]["position"] == 0 for e in events if e["event"] == "evidence.viewed")
    with psycopg.connect(settings.database_url) as conn:
        assert list(verify(conn)) == []


def test_an_object_gone_from_the_store_is_404_not_500(
    api: httpx.Client, complaint: str, settings: Settings
) -> None:
    from pipeline.adapters.s3 import make_s3_client

    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(
            "SELECT key FROM evidence_items WHERE complaint_id = %s AND position = 0", (complaint,)
        ).fetchone()
    assert row is not None
    make_s3_client(settings).delete_object(Bucket=settings.s3_bucket, Key=row[0])
    r = api.get(f"/v1/evidence/{complaint}/0", headers=BUYER)
    assert r.status_code == 404 and problem_code(r) == "not_found"
