"""`POST /v1/evidence/uploads`: a presigned S3 PUT for one evidence file, under the
submitter's own key prefix and bound to its declared content type, size and SHA-256."""

from __future__ import annotations

import base64
import re
import uuid
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from pipeline.api.auth import any_scope, ensure_scope
from pipeline.api.caller import Caller
from pipeline.api.errors import documented
from pipeline.api.visibility import ensure_own_prefix
from pipeline.domain.evidence_rules import size_limit
from pipeline.domain.status import EvidenceKind
from pipeline.handlers.evidence_access import FILENAME_META
from schemas.action import InvalidMessage
from schemas.complaint import CONTENT_TYPES, Id

router = APIRouter()


class Submitter(BaseModel):
    role: Literal["buyer", "merchant"]
    id: Id


class UploadIn(BaseModel):
    submitter: Submitter | None = Field(
        None, description="Whose prefix the key goes under; a party token's own when omitted"
    )
    filename: Annotated[str, Field(min_length=1, max_length=200)]
    kind: EvidenceKind
    content_type: str
    size: Annotated[int, Field(ge=1, strict=True)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class UploadOut(BaseModel):
    key: str
    url: str
    method: Literal["PUT"]
    headers: dict[str, str]
    expires_in: int


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@router.post(
    "/v1/evidence/uploads",
    response_model=UploadOut,
    responses=documented(400, 401, 403, 413, 415, 422),
)
def presign_upload(
    body: UploadIn, request: Request, caller: Annotated[Caller, Depends(any_scope)]
) -> UploadOut:
    """A SigV4 presigned PUT for a key under the submitter's own prefix, bound to the
    declared content type, size and SHA-256."""
    submitter = ensure_own_prefix(
        caller, body.submitter.model_dump() if body.submitter is not None else None
    )
    ensure_scope(caller, f"act:{submitter['role']}")
    if body.content_type not in CONTENT_TYPES[body.kind]:
        raise InvalidMessage(
            [
                {
                    "path": "content_type",
                    "rule": "content_type_not_allowed_for_kind",
                    "message": f"allowed: {sorted(CONTENT_TYPES[body.kind])}",
                }
            ]
        )
    if body.size > size_limit(body.kind):
        raise InvalidMessage(
            [
                {
                    "path": "size",
                    "rule": "too_large",
                    "message": f"limit for {body.kind.value} is {size_limit(body.kind)} bytes",
                }
            ]
        )
    name = _SAFE_NAME.sub("-", body.filename).strip(".-")[:80] or "file"
    key = f"evidence/{submitter['id']}/{uuid.uuid4().hex}-{name}"
    checksum = base64.b64encode(bytes.fromhex(body.sha256)).decode()
    # The key stays ASCII; the name as given (without folders) is kept, percent-encoded, in
    # the object's metadata for the download's Content-Disposition.
    original = quote(body.filename.replace("\\", "/").rsplit("/", 1)[-1] or name, safe="")
    settings = request.app.state.settings
    url = request.app.state.s3.generate_presigned_url(
        "put_object",
        Params={
            "Bucket": settings.s3_bucket,
            "Key": key,
            "ContentType": body.content_type,
            "ContentLength": body.size,
            "ChecksumSHA256": checksum,
            "Metadata": {FILENAME_META: original},
        },
        ExpiresIn=settings.api_presign_seconds,
    )
    headers = {
        "Content-Type": body.content_type,
        "Content-Length": str(body.size),
        "x-amz-checksum-sha256": checksum,
        f"x-amz-meta-{FILENAME_META}": original,
    }
    return UploadOut(
        key=key, url=url, method="PUT", headers=headers, expires_in=settings.api_presign_seconds
    )
