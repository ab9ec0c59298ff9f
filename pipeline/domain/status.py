"""Enumerations mirrored one-to-one by Postgres ENUM types (tests check they agree). The codes
messages carry live in schemas/ (vocabulary, categories) and are re-exported here."""

from __future__ import annotations

from enum import StrEnum

from schemas.categories import Category as Category
from schemas.vocabulary import EvidenceKind as EvidenceKind
from schemas.vocabulary import RejectionReason as RejectionReason


class Status(StrEnum):
    RECEIVED = "received"
    IN_REVIEW = "in_review"
    AWAITING_EVIDENCE = "awaiting_evidence"
    AWAITING_MERCHANT = "awaiting_merchant"
    MERCHANT_PROPOSED = "merchant_proposed"
    IN_ARBITRATION = "in_arbitration"
    REMEDY_IN_PROGRESS = "remedy_in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    SUSPENDED = "suspended"
    # Added with negotiation (appended: PostgreSQL enum values keep their creation order).
    BUYER_COUNTERED = "buyer_countered"
    AWAITING_INFORMATION = "awaiting_information"
    AWAITING_RETURN = "awaiting_return"
    RETURN_IN_TRANSIT = "return_in_transit"
    AWAITING_SETTLEMENT = "awaiting_settlement"
    OFFER_PENDING_APPROVAL = "offer_pending_approval"


TERMINAL: frozenset[Status] = frozenset({Status.CLOSED, Status.REJECTED, Status.WITHDRAWN})


class Stage(StrEnum):
    """Position of a complaint inside the automated part of the pipeline."""

    INTAKE = "intake"
    REVIEW = "review"
    MANUAL_REVIEW = "manual_review"
    EVIDENCE = "evidence"
    ROUTE = "route"
    DISPATCH = "dispatch"
    PARTIES = "parties"


class Role(StrEnum):
    BUYER = "buyer"
    MERCHANT = "merchant"
    PLATFORM = "platform"
    SYSTEM = "system"


class Verdict(StrEnum):
    OK = "ok"
    MISSING = "missing"
    SIZE_MISMATCH = "size_mismatch"
    TOO_LARGE = "too_large"
    TYPE_MISMATCH = "type_mismatch"
    HASH_MISMATCH = "hash_mismatch"
    FORBIDDEN_KEY = "forbidden_key"
    TOO_MANY = "too_many"


class DeadlineState(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    FIRED = "fired"
    CLOSED = "closed"


#: Postgres ENUM type name for each Python enum above.
PG_ENUMS: dict[str, type[StrEnum]] = {
    "complaint_status": Status,
    "complaint_stage": Stage,
    "complaint_category": Category,
    "party_role": Role,
    "evidence_kind": EvidenceKind,
    "evidence_verdict": Verdict,
    "deadline_state": DeadlineState,
}
