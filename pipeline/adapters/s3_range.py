"""A lean ranged GET for the evidence stage's hot path: SigV4-signed (pipeline.adapters.
sigv4, checked against botocore's signer), sent through http.client with one kept
connection per thread and a bounded read (pipeline.adapters.http_get).

boto3's client pipeline (event hooks, retry handler, response parsing) and even botocore's
signer alone cost more CPU per small GetObject than the rest of the stage (docs/
performance.md); the evidence stage makes one such read per item. Everything else (HEAD,
whole-object reads, uploads) stays on boto3. Path-style addressing, as for the boto3
client."""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from pipeline.adapters.http_get import HttpError, KeptAliveGet, Response
from pipeline.adapters.s3 import s3_session
from pipeline.adapters.sigv4 import CredentialSource, Frozen, RangeGetSigner
from pipeline.settings import Settings

#: Enough of an error answer to read its code.
ERROR_BODY_BYTES = 16 * 1024
#: Statuses worth one more try (the server or a proxy in between had a moment).
_TRANSIENT = frozenset({500, 502, 503, 504})


#: The only answers that mean "this object does not exist". NoSuchBucket, AccessDenied,
#: a bad signature or key, or a 404 without one of these codes is the store failing.
NOT_FOUND_CODES = frozenset({"NoSuchKey", "NotFound"})
_CODE = re.compile(rb"<Code>([A-Za-z0-9.]{1,64})</Code>")
_REASON = re.compile(r"[A-Za-z0-9.]{1,64}")


def reason_of(code: str | None, status: int | None = None) -> str:
    """A short label for a failure (an S3 error code, else `HTTP<status>`), kept to a
    bounded alphabet: it becomes a metric label and a counter name."""
    if code and _REASON.fullmatch(code):
        return code
    return f"HTTP{status}" if status else "other"


class EvidenceStoreUnavailable(RuntimeError):
    """The store could not answer whether an object exists (unreachable, no such bucket,
    refused credentials, server error): no verdict may be drawn; the message is retried."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"evidence store unavailable ({reason}): {detail}"[:400])
        self.reason = reason


class S3ReadError(EvidenceStoreUnavailable):
    """An S3 answer other than found / not found / empty."""

    def __init__(self, status: int, key: str, body: bytes) -> None:
        found = _CODE.search(body[:4096])
        self.code = found.group(1).decode() if found else None
        super().__init__(reason_of(self.code, status), f"GET {key!r} answered {status}")
        self.status = status


@dataclass(frozen=True)
class RangeRead:
    body: bytes
    total_size: int


#: `read_range` result for an object with no bytes (S3 answers 416 to any range of it).
EMPTY = RangeRead(b"", 0)


def _range_read(response: Response, key: str, first: int, last: int) -> RangeRead:
    """The bytes asked for and the object's size, from a 206 or from a 200 (a server that
    ignored Range: its body is cut at the range's length, its size is its length)."""
    wanted = last - first + 1
    body, more = response.body[:wanted], response.truncated or len(response.body) > wanted
    total = response.headers.get("content-range", "").rpartition("/")[2]
    if total.isdigit():
        return RangeRead(body, int(total))
    length = response.headers.get("content-length", "")
    if first == 0 and not more:
        return RangeRead(body, len(body))
    if first == 0 and response.status == 200 and length.isdigit():
        return RangeRead(body, int(length))
    raise EvidenceStoreUnavailable("RangeIgnored", f"GET {key!r}: no usable range answer")


class _NoCredentials:
    def get_frozen_credentials(self) -> Frozen:
        raise EvidenceStoreUnavailable(
            "NoCredentials", "no S3 key configured and none found by boto3's default chain"
        )


class S3RangeReader:
    def __init__(self, settings: Settings, credentials: CredentialSource | None = None) -> None:
        """`credentials` default to those of `s3_session(settings)` (the configured key
        pair, else boto3's default chain, refreshed as botocore refreshes them)."""
        base = f"{settings.s3_endpoint.rstrip('/')}/{quote(settings.s3_bucket, safe='')}/"
        endpoint = urlsplit(base)
        if not endpoint.hostname:
            raise ValueError(f"S3 endpoint without a host: {settings.s3_endpoint!r}")
        self.host, self.base_path = endpoint.netloc, endpoint.path
        if credentials is None:
            credentials = s3_session(settings).get_credentials() or _NoCredentials()
        self.signer = RangeGetSigner(credentials, settings.s3_region)
        default_port = 443 if endpoint.scheme == "https" else 80
        bundle = settings.s3_ca_bundle  # the CAs boto3 trusts (make_s3_client), these too
        self.http = KeptAliveGet(
            endpoint.scheme,
            endpoint.hostname,
            endpoint.port or default_port,
            connect_timeout=3.0,
            read_timeout=10.0,
            tls=ssl.create_default_context(cafile=bundle) if bundle else None,
        )

    def read_range(self, key: str, first: int, last: int) -> RangeRead | None:
        """Bytes first..last (inclusive) and the object's size; None if there is no object.
        Raises EvidenceStoreUnavailable for any other trouble."""
        target = self.base_path + quote(key, safe="/~")
        byte_range = f"bytes={first}-{last}"
        for attempt in (1, 2):
            # the Host header as signed
            headers = {"Host": self.host, **self.signer.headers(self.host, target, byte_range)}
            try:
                # never more than asked for (or an error answer's size)
                limit = max(last - first + 1, ERROR_BODY_BYTES)
                response = self.http.get(target, headers, max_body=limit)
            except HttpError as exc:
                if attempt == 2:
                    raise EvidenceStoreUnavailable("unreachable", str(exc)) from exc
                continue
            status = response.status
            if status in (200, 206):
                return _range_read(response, key, first, last)
            if status == 416:  # an empty object has no byte `first`
                return EMPTY
            refused = S3ReadError(status, key, response.body)
            if status == 404 and refused.code in NOT_FOUND_CODES:
                return None
            if status not in _TRANSIENT or attempt == 2:
                raise refused
        raise AssertionError("unreachable")
