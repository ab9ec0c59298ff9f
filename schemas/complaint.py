"""`complaint.v1`: the submission message (HTTP body, bulk-file line and queue payload alike)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from schemas.categories import Category
from schemas.vocabulary import EvidenceKind


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "must not contain NUL characters")
    return value


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def _rfc3339(value: Any) -> Any:
    """Times arrive as RFC 3339 strings with an offset: pydantic alone would also take Unix
    seconds (numbers or numeric strings) and dates."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise PydanticCustomError(
            "rfc3339_required",
            "must be an RFC 3339 time with offset, like 2026-11-29T10:00:00+08:00",
        )
    return value


def _not_in_future(value: datetime) -> datetime:
    if value > datetime.now(UTC) + CLOCK_SKEW:
        raise PydanticCustomError("in_future", "must not lie in the future")
    return value


#: Upstream clocks may run a little ahead; more than this is refused.
CLOCK_SKEW = timedelta(minutes=5)
NO_NUL = AfterValidator(_no_nul)
Past = Annotated[AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(_not_in_future)]
Id = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]
Source = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")]
Cents = Annotated[int, Field(ge=0, le=10**13, strict=True)]
Remedy = Literal["refund", "return_and_refund", "exchange", "repair", "reship", "compensation"]

#: Content types a declared evidence kind may carry.
CONTENT_TYPES: dict[EvidenceKind, frozenset[str]] = {
    EvidenceKind.PHOTO: frozenset({"image/jpeg", "image/png", "image/webp"}),
    EvidenceKind.VIDEO: frozenset({"video/mp4", "video/quicktime"}),
    **{
        kind: frozenset({"application/pdf", "text/plain", "application/json"})
        for kind in (
            EvidenceKind.CHAT_LOG,
            EvidenceKind.TRANSACTION_RECORD,
            EvidenceKind.INSPECTION_REPORT,
            EvidenceKind.SERVICE_RECORD,
        )
    },
}

#: Items accepted in one message; past the 20th the evidence stage answers `too_many`
#: (docs/contracts.md, section 5).
MAX_EVIDENCE_ITEMS_IN_MESSAGE = 100


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class EvidenceItem(Strict):
    key: Annotated[str, Field(min_length=1, max_length=1024), NO_NUL]
    kind: EvidenceKind
    content_type: Annotated[str, Field(min_length=1, max_length=100), NO_NUL]
    size: Annotated[int, Field(ge=0, le=10**12, strict=True)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]

    @field_validator("content_type")
    @classmethod
    def _content_type_fits_kind(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if kind is None:
            return value
        allowed = CONTENT_TYPES[kind]
        if value not in allowed:
            raise PydanticCustomError(
                "content_type_not_allowed_for_kind",
                "content_type {value} is not allowed for kind {kind} (allowed: {allowed})",
                {"value": value, "kind": kind.value, "allowed": ", ".join(sorted(allowed))},
            )
        return value


class Order(Strict):
    order_id: Id
    item_id: Id | None = None
    sku: Annotated[str, Field(min_length=1, max_length=128), NO_NUL] | None = None
    amount_cents: Cents
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    paid_at: Past | None
    delivered_at: Past | None = None


class ComplaintV1(Strict):
    schema_: Literal["complaint.v1"] = Field(alias="schema")
    source: Source
    external_id: Id
    submitted_at: Past
    buyer_id: Id
    merchant_id: Id
    order: Order
    category: Category
    title: Annotated[str, Field(min_length=1, max_length=200), NO_NUL]
    description: Annotated[str, Field(min_length=1, max_length=5000), NO_NUL]
    requested_remedy: Remedy
    claimed_amount_cents: Cents
    evidence: Annotated[list[EvidenceItem], Field(max_length=MAX_EVIDENCE_ITEMS_IN_MESSAGE)] = []
    parent_id: UUID | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON, to tell a replay from a conflicting resubmission."""
        canonical = json.dumps(
            self.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """Every failing field as {path, rule, message}: path is a JSON path like `order.paid_at`."""
    out = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(p) for p in err["loc"]) or "$"
        out.append({"path": path, "rule": err["type"], "message": err["msg"]})
    return out


def parse_complaint(data: Any) -> ComplaintV1:
    if isinstance(data, str | bytes):
        return ComplaintV1.model_validate_json(data)
    return ComplaintV1.model_validate(data)
