"""Looking at evidence (DESIGN §7): a short-lived presigned GET for a party entitled to see
the complaint, named with the uploader's original file name and served as the content type
the evidence check confirmed; each access is an event on the complaint's timeline.

Only items whose verdict is `ok` are served: an unchecked item, or one that failed its check
(wrong type, wrong hash, another submitter's key), is not known to be what it claims."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from pipeline.db import evidence_items
from pipeline.db.store import Store
from pipeline.domain.errors import ActionRefused, NotFound
from pipeline.domain.status import Role, Verdict
from pipeline.domain.text import text
from pipeline.worklist import sees

EVIDENCE_VIEWED = "evidence.viewed"
#: Object metadata key the upload presigns (x-amz-meta-filename): the name, percent-encoded.
FILENAME_META = "filename"
# The key name pipeline.api.evidence_upload_routes.presign_upload gives an upload.
_UPLOADED_NAME = re.compile(r"^[0-9a-f]{32}-(.+)$")
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9_.()\[\] -]+")


@dataclass(frozen=True)
class Viewer:
    role: Role
    actor_id: str
    party_role: str | None  # buyer or merchant: sees only its own complaints
    party_id: str | None


def record_view(store: Store, complaint_id: str, position: int, viewer: Viewer) -> dict[str, Any]:
    """The evidence item, after recording that `viewer` looked at it; NotFound when the
    complaint is not the viewer's to see or has no such item."""
    c = store.lock(complaint_id)
    if c is None or not sees(viewer.party_role, viewer.party_id, c.buyer_id, c.merchant_id):
        raise NotFound(text("no complaint {id}", id=complaint_id))
    item = evidence_items.item(store, c.id, position)
    if item is None:
        raise NotFound(
            text(
                "complaint {id} has no evidence item {position}", id=complaint_id, position=position
            )
        )
    if item["verdict"] != Verdict.OK:
        raise ActionRefused(
            "evidence_not_viewable",
            text(
                "evidence item {position} is {verdict}; only items checked ok are served",
                position=position,
                verdict=item["verdict"] or "unchecked",
            ),
        )
    store.note(
        c,
        EVIDENCE_VIEWED,
        role=viewer.role,
        actor_id=viewer.actor_id,
        data={"position": position, "key": item["key"], "kind": item["kind"]},
    )
    return item


def original_name(key: str, metadata: dict[str, str]) -> str:
    """The uploader's file name: kept in the object's metadata by the upload presign, else
    the key's last part without the upload's unique prefix."""
    kept = metadata.get(FILENAME_META)
    if kept:
        return unquote(kept)
    base = key.rsplit("/", 1)[-1]
    match = _UPLOADED_NAME.match(base)
    return match.group(1) if match else base


def content_disposition(name: str) -> str:
    """RFC 6266 with an RFC 5987 `filename*` (UTF-8), and an ASCII `filename` fallback."""
    fallback = _UNSAFE_ASCII.sub("_", name).strip() or "evidence"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def presigned_get(s3: Any, bucket: str, item: dict[str, Any], expires_in: int) -> dict[str, Any]:
    """A presigned GET answering with the original name and the checked content type."""
    head = s3.head_object(Bucket=bucket, Key=item["key"])
    name = original_name(item["key"], head.get("Metadata") or {})
    url = s3.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": bucket,
            "Key": item["key"],
            "ResponseContentDisposition": content_disposition(name),
            "ResponseContentType": item["content_type"],
        },
        ExpiresIn=expires_in,
    )
    return {
        "url": url,
        "method": "GET",
        "expires_in": expires_in,
        "filename": name,
        "content_type": item["content_type"],
        "kind": item["kind"],
        "size": item["size"],
    }
