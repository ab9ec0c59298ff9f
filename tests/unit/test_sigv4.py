"""The evidence stage's own SigV4 signer against botocore's, header for header, with a key
pair, with temporary credentials (session token) and with refreshable ones."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore import auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, RefreshableCredentials

from pipeline.adapters.sigv4 import RangeGetSigner

KEYS = [
    "evidence/b_1/9f2c.jpg",
    "evidence/b_1/a%20b%2Bc~d.jpg",  # as sent: already URI-encoded
    "evidence/b_1/%E5%B1%8F%E5%B9%95.png",
]


TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+example/token=="


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("when", ["2026-11-30T05:04:15", "2027-01-01T00:00:00"])
@pytest.mark.parametrize("token", [None, TOKEN])
def test_headers_match_botocore(
    monkeypatch: pytest.MonkeyPatch, key: str, when: str, token: str | None
) -> None:
    instant = dt.datetime.fromisoformat(when)
    monkeypatch.setattr(auth, "get_current_datetime", lambda: instant)
    url = f"http://127.0.0.1:18333/complaints-evidence/{key}"
    request = AWSRequest(method="GET", url=url, headers={"Range": "bytes=0-1048575"})
    creds = Credentials("complaints", "s3cr3t", token)
    auth.S3SigV4Auth(creds, "s3", "us-east-1").add_auth(request)
    ours = RangeGetSigner(creds, "us-east-1").headers(
        "127.0.0.1:18333",
        f"/complaints-evidence/{key}",
        "bytes=0-1048575",
        now=instant.replace(tzinfo=dt.UTC).timestamp(),
    )
    assert ours == dict(request.headers.items())
    assert ("X-Amz-Security-Token" in ours) == (token is not None)


def test_the_signing_key_follows_the_day() -> None:
    signer = RangeGetSigner(Credentials("complaints", "s3cr3t"), "us-east-1")
    first = signer.headers("h", "/b/k", "bytes=0-1", now=0.0)["Authorization"]
    next_day = signer.headers("h", "/b/k", "bytes=0-1", now=86_400.0)["Authorization"]
    assert "19700101/" in first and "19700102/" in next_day
    assert first.rsplit("=", 1)[1] != next_day.rsplit("=", 1)[1]


def test_refreshable_credentials_are_refreshed_before_signing() -> None:
    """A role's credentials (container, instance, web identity) expire: each request signs
    with what botocore's refresh gives at that moment."""
    now = [dt.datetime(2026, 12, 1, tzinfo=dt.UTC)]
    issued = iter(["AKIA-SECOND"])

    def refresh() -> dict[str, str]:
        return {
            "access_key": next(issued),
            "secret_key": "s3cr3t-2",
            "token": TOKEN,
            "expiry_time": (now[0] + dt.timedelta(hours=1)).isoformat(),
        }

    creds = RefreshableCredentials(
        "AKIA-FIRST",
        "s3cr3t",
        "first-token",
        now[0] + dt.timedelta(hours=1),
        refresh,
        "test-role",
        time_fetcher=lambda: now[0],
    )
    signer = RangeGetSigner(creds, "us-east-1")
    first = signer.headers("h", "/b/k", "bytes=0-1", now=0.0)
    now[0] += dt.timedelta(minutes=55)  # inside botocore's refresh margin
    second = signer.headers("h", "/b/k", "bytes=0-1", now=0.0)
    fresh = RangeGetSigner(Credentials("AKIA-SECOND", "s3cr3t-2", TOKEN), "us-east-1")
    assert second == fresh.headers("h", "/b/k", "bytes=0-1", now=0.0)  # not the old key
    assert "Credential=AKIA-FIRST/" in first["Authorization"]
    assert first["X-Amz-Security-Token"] == "first-token"
    assert "Credential=AKIA-SECOND/" in second["Authorization"]
    assert second["X-Amz-Security-Token"] == TOKEN
