"""SigV4 headers for the evidence stage's ranged GET, signed as botocore's S3SigV4Auth signs
it (a test compares the two header for header).

botocore builds an AWSRequest, re-parses its URL and derives the signing key (four HMACs)
for every request: about a fifth of the CPU of a small read here. A body-less GET with
one Range header needs none of that generality, and the key changes once a day."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Protocol

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
SIGNED_HEADERS = "host;range;x-amz-content-sha256;x-amz-date"


class Frozen(Protocol):
    @property
    def access_key(self) -> str: ...
    @property
    def secret_key(self) -> str: ...
    @property
    def token(self) -> str | None: ...


class CredentialSource(Protocol):
    """botocore's Credentials, RefreshableCredentials (a role's, refreshed before they
    expire) or anything with the same method."""

    def get_frozen_credentials(self) -> Frozen: ...


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class RangeGetSigner:
    def __init__(self, credentials: CredentialSource, region: str, service: str = "s3"):
        self.credentials = credentials
        self.region = region
        self.service = service
        self._cached: tuple[str, str, bytes] = ("", "", b"")  # day, secret, key

    def _signing_key(self, day: str, secret: str) -> bytes:
        cached_day, cached_secret, key = self._cached
        if (day, secret) != (cached_day, cached_secret):  # a race derives the same key twice
            key = _hmac(f"AWS4{secret}".encode(), day)
            for part in (self.region, self.service, "aws4_request"):
                key = _hmac(key, part)
            self._cached = (day, secret, key)
        return key

    def headers(
        self, host: str, path: str, byte_range: str, now: float | None = None
    ) -> dict[str, str]:
        """Headers for `GET path` (as sent: already URI-encoded, S3 does not encode it
        again) on `host` (with its port) with `Range: byte_range`; temporary credentials'
        session token is sent and signed as `X-Amz-Security-Token`."""
        creds = self.credentials.get_frozen_credentials()
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
        day = amz_date[:8]
        lines = [
            f"host:{host}",
            f"range:{byte_range}",
            f"x-amz-content-sha256:{EMPTY_SHA256}",
            f"x-amz-date:{amz_date}",
        ]
        signed = SIGNED_HEADERS
        if creds.token:
            lines.append(f"x-amz-security-token:{creds.token}")
            signed += ";x-amz-security-token"
        canonical = "\n".join(
            ("GET", path, "", *lines, "", signed, EMPTY_SHA256)  # "": no query string
        )
        scope = f"{day}/{self.region}/{self.service}/aws4_request"
        to_sign = "\n".join(
            ("AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest())
        )
        key = self._signing_key(day, creds.secret_key)
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers = {
            "Range": byte_range,
            "X-Amz-Date": amz_date,
            "X-Amz-Content-SHA256": EMPTY_SHA256,
        }
        if creds.token:
            headers["X-Amz-Security-Token"] = creds.token
        headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={creds.access_key}/{scope}, "
            f"SignedHeaders={signed}, Signature={signature}"
        )
        return headers
