"""What the evidence stage asks of object storage, and its S3 implementation."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from pipeline.adapters.s3 import make_s3_client, s3_session
from pipeline.adapters.s3_range import (
    NOT_FOUND_CODES,
    EvidenceStoreUnavailable,
    S3RangeReader,
    reason_of,
)
from pipeline.settings import Settings

__all__ = ["EvidenceStoreUnavailable", "ObjectFacts", "S3EvidenceStore", "probe_bucket"]

#: A key no evidence has: `probe_bucket` asks for it as the evidence stage asks for any.
PROBE_KEY = "evidence/.probe/absent"
#: Objects up to this size are read whole in one ranged GET and hashed here: one request
#: answers existence, size, file signature and SHA-256 (most evidence is this small).
#: That GET goes through `S3RangeReader` (about a third of boto3's CPU per call).
INLINE_LIMIT = 1024 * 1024
#: Reads one process has in flight at once for `each` (the range reader's pool holds 16).
READS_AT_ONCE = 8

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class ObjectFacts:
    size: int
    head: bytes  # the first bytes (up to the caller's limit or the whole object)
    sha256_hex: str | None  # known without another download, else None


class EvidenceStore(Protocol):
    def inspect(self, key: str, head_bytes: int) -> ObjectFacts | None: ...
    def sha256_hex(self, key: str) -> str: ...
    def each(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]: ...


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code"))


def _unavailable(exc: ClientError | BotoCoreError) -> EvidenceStoreUnavailable:
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return EvidenceStoreUnavailable(reason_of(_code(exc), status), str(exc))
    return EvidenceStoreUnavailable(reason_of(type(exc).__name__), str(exc))


def probe_bucket(s3_client: Any, bucket: str) -> str | None:
    """None if the evidence stage can read `bucket` (a ranged GET of a key that does not
    exist answers NoSuchKey), else the reason it cannot ("NoSuchBucket", "AccessDenied",
    "SignatureDoesNotMatch", "EndpointConnectionError", ...)."""
    try:
        s3_client.get_object(Bucket=bucket, Key=PROBE_KEY, Range="bytes=0-0")
    except ClientError as exc:
        return None if _code(exc) in NOT_FOUND_CODES else _unavailable(exc).reason
    except BotoCoreError as exc:
        return _unavailable(exc).reason
    return None


class S3EvidenceStore:
    """Only "this object does not exist" becomes None; any other trouble raises
    EvidenceStoreUnavailable, so the stage is retried, never judged."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.bucket = settings.s3_bucket
        session = s3_session(settings)  # one credential source for both clients
        self.s3 = client or make_s3_client(settings, session=session)
        self.reader = S3RangeReader(settings, session.get_credentials())
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def each(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """`fn` over `items`, results in order, their reads overlapping: a group's items
        wait for the slowest read, not for the sum of them. The first error raises."""
        if len(items) <= 1:
            return [fn(item) for item in items]
        return list(self._executor().map(fn, items))

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:  # created on first use, so after the worker process forked
            if self._pool is None:
                self._pool = ThreadPoolExecutor(READS_AT_ONCE, thread_name_prefix="s3-read")
            return self._pool

    def inspect(self, key: str, head_bytes: int) -> ObjectFacts | None:
        got = self.reader.read_range(key, 0, INLINE_LIMIT - 1)
        if got is None:
            return None
        if got.total_size <= len(got.body):
            return ObjectFacts(
                got.total_size, got.body[:head_bytes], hashlib.sha256(got.body).hexdigest()
            )
        return self._by_head(key, got.body[:head_bytes])

    def _by_head(self, key: str, head: bytes) -> ObjectFacts | None:
        try:
            meta = self.s3.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except ClientError as exc:
            # A HEAD answer has no body: a bare 404 right after the GET found the object
            # means it was deleted in between.
            if _code(exc) in {"404", *NOT_FOUND_CODES}:
                return None
            raise _unavailable(exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(exc) from exc
        checksum = meta.get("ChecksumSHA256")
        full_object = meta.get("ChecksumType", "FULL_OBJECT") != "COMPOSITE"
        sha = None
        # A multipart upload's checksum is of the parts ("…-N"), not of the object.
        if checksum and "-" not in checksum and full_object:
            sha = base64.b64decode(checksum).hex()
        return ObjectFacts(int(meta["ContentLength"]), head, sha)

    def sha256_hex(self, key: str) -> str:
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        except ClientError as exc:
            if _code(exc) in NOT_FOUND_CODES:
                raise  # deleted since it was inspected: the retry judges it missing
            raise _unavailable(exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(exc) from exc
        digest = hashlib.sha256()
        for chunk in iter(lambda: body.read(1024 * 1024), b""):
            digest.update(chunk)
        return digest.hexdigest()
