"""SigV4 headers for the evidence stage's ranged GET, signed as botocore's S3SigV4Auth signs
it (a test compares the two header for header).

botocore builds an AWSRequest, re-parses its URL and derives the signing key (four HMACs)
for every request: about a fifth of the CPU of a small read here. A body-less GET with
one Range header needs none of that generality, and the key changes once a day."""

from __future__ import annotations

import hashlib
import hmac
import time

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
SIGNED_HEADERS = "host;range;x-amz-content-sha256;x-amz-date"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class RangeGetSigner:
    def __init__(self, access_key: str, secret_key: str, region: str, service: str = "s3"):
        self.access_key = access_key
        self.secret = secret_key
        self.region = region
        self.service = service
        self._day = ""
        self._key = b""

    def _signing_key(self, day: str) -> bytes:
        if day != self._day:  # a race here only derives the same key twice
            key = _hmac(f"AWS4{self.secret}".encode(), day)
            for part in (self.region, self.service, "aws4_request"):
                key = _hmac(key, part)
            self._key, self._day = key, day
        return self._key

    def headers(
        self, host: str, path: str, byte_range: str, now: float | None = None
    ) -> dict[str, str]:
        """Headers for `GET path` (as sent: already URI-encoded, S3 does not encode it
        again) on `host` (with its port) with `Range: byte_range`."""
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
        day = amz_date[:8]
        canonical = "\n".join(
            (
                "GET",
                path,
                "",  # no query string
                f"host:{host}",
                f"range:{byte_range}",
                f"x-amz-content-sha256:{EMPTY_SHA256}",
                f"x-amz-date:{amz_date}",
                "",
                SIGNED_HEADERS,
                EMPTY_SHA256,
            )
        )
        scope = f"{day}/{self.region}/{self.service}/aws4_request"
        to_sign = "\n".join(
            ("AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest())
        )
        signature = hmac.new(self._signing_key(day), to_sign.encode(), hashlib.sha256).hexdigest()
        return {
            "Range": byte_range,
            "X-Amz-Date": amz_date,
            "X-Amz-Content-SHA256": EMPTY_SHA256,
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
                f"SignedHeaders={SIGNED_HEADERS}, Signature={signature}"
            ),
        }
