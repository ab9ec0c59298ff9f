"""S3 credentials without a configured key: boto3's default chain, for the boto3 client and
the evidence stage's own signer alike, with a session token sent and signed."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from botocore import auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from pipeline.adapters.evidence_store import S3EvidenceStore, probe_bucket
from pipeline.adapters.s3 import make_s3_client
from pipeline.adapters.s3_range import S3RangeReader
from pipeline.settings import Settings
from tests.factories import JPEG, sha
from tests.local_http import server

pytestmark = pytest.mark.integration


@pytest.fixture
def chain_only(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    """Nothing from this machine's profile or instance metadata (never asked: no network
    but loopback here); each test puts its credentials where the chain looks."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_local_keys_are_a_default_only_for_the_local_set_up() -> None:
    assert (Settings.from_env({}).s3_access_key, Settings.from_env({}).s3_secret_key) == ("", "")
    local = Settings.from_env({"COMPLAINTS_ENV": "local"})
    assert (local.s3_access_key, local.s3_secret_key) == ("complaints", "complaints-secret")
    given = Settings.from_env({"COMPLAINTS_ENV": "local", "COMPLAINTS_S3_ACCESS_KEY": "k"})
    assert given.s3_access_key == "k"


def test_without_a_configured_key_the_default_chain_reads_the_store(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, chain_only: None
) -> None:
    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key="evidence/b_1/c.jpg", Body=JPEG
    )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", settings.s3_access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", settings.s3_secret_key)
    chained = replace(settings, s3_access_key="", s3_secret_key="")
    store = S3EvidenceStore(chained)
    facts = store.inspect("evidence/b_1/c.jpg", 4)  # the range reader's own signer
    assert facts is not None and facts.sha256_hex == sha(JPEG)
    assert store.sha256_hex("evidence/b_1/c.jpg") == sha(JPEG)  # boto3's
    assert probe_bucket(make_s3_client(chained), chained.s3_bucket) is None


def test_a_container_roles_session_token_is_sent_and_signed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, chain_only: None
) -> None:
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    role = {
        "AccessKeyId": "ASIA-ROLE-KEY",
        "SecretAccessKey": "role-secret",
        "Token": "role-session-token/+=",
        "Expiration": expires,
    }
    served = json.dumps(role).encode()
    creds_answer = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(served)}\r\n\r\n".encode()
        + served
    )
    absent = b"<Error><Code>NoSuchKey</Code></Error>"
    s3_answer = b"HTTP/1.1 404 Not Found\r\nContent-Length: %d\r\n\r\n%s" % (len(absent), absent)
    with (
        server(lambda head: creds_answer) as (creds_port, _),
        server(lambda head: s3_answer) as (s3_port, seen),
    ):
        monkeypatch.setenv(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI", f"http://127.0.0.1:{creds_port}/role"
        )
        chained = replace(
            settings, s3_access_key="", s3_secret_key="", s3_endpoint=f"http://127.0.0.1:{s3_port}"
        )
        assert S3RangeReader(chained).read_range("evidence/b_1/c.jpg", 0, 9) is None
    (request,) = [head for head in seen if head]
    sent = dict(line.split(": ", 1) for line in request.decode("latin-1").split("\r\n")[1:] if line)
    assert sent["X-Amz-Security-Token"] == role["Token"]
    expected = AWSRequest(
        method="GET",
        url=f"http://127.0.0.1:{s3_port}/{settings.s3_bucket}/evidence/b_1/c.jpg",
        headers={"Range": "bytes=0-9"},
    )
    signed_at = dt.datetime.strptime(sent["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    monkeypatch.setattr(auth, "get_current_datetime", lambda: signed_at)
    role_creds = Credentials(role["AccessKeyId"], role["SecretAccessKey"], role["Token"])
    auth.S3SigV4Auth(role_creds, "s3", settings.s3_region).add_auth(expected)
    assert sent["Authorization"] == expected.headers["Authorization"]
