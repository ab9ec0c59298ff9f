"""What the evidence stage asks of object storage, and its S3 implementation."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError

from pipeline.adapters.s3 import make_s3_client
from pipeline.settings import Settings

_NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    sha256_hex: str | None  # from the server's stored checksum, when it has a full-object one


class EvidenceStore(Protocol):
    def head(self, key: str) -> ObjectInfo | None: ...
    def first_bytes(self, key: str, n: int) -> bytes: ...
    def sha256_hex(self, key: str) -> str: ...


class S3EvidenceStore:
    """Errors other than "not found" propagate, so the stage is retried, not failed."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.bucket = settings.s3_bucket
        self.s3 = client or make_s3_client(settings)

    def head(self, key: str) -> ObjectInfo | None:
        try:
            meta = self.s3.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in _NOT_FOUND:
                return None
            raise
        checksum = meta.get("ChecksumSHA256")
        sha = None
        # A multipart upload's checksum is of the parts ("…-N"), not of the object.
        full_object = meta.get("ChecksumType", "FULL_OBJECT") != "COMPOSITE"
        if checksum and "-" not in checksum and full_object:
            sha = base64.b64decode(checksum).hex()
        return ObjectInfo(size=int(meta["ContentLength"]), sha256_hex=sha)

    def first_bytes(self, key: str, n: int) -> bytes:
        body = self.s3.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{n - 1}")["Body"]
        data: bytes = body.read()
        return data

    def sha256_hex(self, key: str) -> str:
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        digest = hashlib.sha256()
        for chunk in iter(lambda: body.read(1024 * 1024), b""):
            digest.update(chunk)
        return digest.hexdigest()
