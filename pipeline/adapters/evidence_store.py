"""What the evidence stage asks of object storage, and its S3 implementation."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from botocore.exceptions import ClientError

from pipeline.adapters.s3 import make_s3_client
from pipeline.adapters.s3_range import S3RangeReader
from pipeline.settings import Settings

_NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})
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


class S3EvidenceStore:
    """Errors other than "not found" propagate, so the stage is retried, not failed."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.bucket = settings.s3_bucket
        self.s3 = client or make_s3_client(settings)
        self.reader = S3RangeReader(settings)
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
            if _code(exc) in _NOT_FOUND:
                return None
            raise
        checksum = meta.get("ChecksumSHA256")
        full_object = meta.get("ChecksumType", "FULL_OBJECT") != "COMPOSITE"
        sha = None
        # A multipart upload's checksum is of the parts ("…-N"), not of the object.
        if checksum and "-" not in checksum and full_object:
            sha = base64.b64decode(checksum).hex()
        return ObjectFacts(int(meta["ContentLength"]), head, sha)

    def sha256_hex(self, key: str) -> str:
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        digest = hashlib.sha256()
        for chunk in iter(lambda: body.read(1024 * 1024), b""):
            digest.update(chunk)
        return digest.hexdigest()
