"""The evidence stage's own SigV4 signer against botocore's, header for header."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore import auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from pipeline.adapters.sigv4 import RangeGetSigner

KEYS = [
    "evidence/b_1/9f2c.jpg",
    "evidence/b_1/a%20b%2Bc~d.jpg",  # as sent: already URI-encoded
    "evidence/b_1/%E5%B1%8F%E5%B9%95.png",
]


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("when", ["2026-11-30T05:04:15", "2027-01-01T00:00:00"])
def test_headers_match_botocore(monkeypatch: pytest.MonkeyPatch, key: str, when: str) -> None:
    instant = dt.datetime.fromisoformat(when)
    monkeypatch.setattr(auth, "get_current_datetime", lambda: instant)
    url = f"http://127.0.0.1:18333/complaints-evidence/{key}"
    request = AWSRequest(method="GET", url=url, headers={"Range": "bytes=0-1048575"})
    auth.S3SigV4Auth(Credentials("complaints", "s3cr3t"), "s3", "us-east-1").add_auth(request)
    ours = RangeGetSigner("complaints", "s3cr3t", "us-east-1").headers(
        "127.0.0.1:18333",
        f"/complaints-evidence/{key}",
        "bytes=0-1048575",
        now=instant.replace(tzinfo=dt.UTC).timestamp(),
    )
    assert ours == dict(request.headers.items())


def test_the_signing_key_follows_the_day() -> None:
    signer = RangeGetSigner("complaints", "s3cr3t", "us-east-1")
    first = signer.headers("h", "/b/k", "bytes=0-1", now=0.0)["Authorization"]
    next_day = signer.headers("h", "/b/k", "bytes=0-1", now=86_400.0)["Authorization"]
    assert "19700101/" in first and "19700102/" in next_day
    assert first.rsplit("=", 1)[1] != next_day.rsplit("=", 1)[1]
