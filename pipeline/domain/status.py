"""Enumerations mirrored one-to-one by Postgres ENUM types (tests check they agree)."""

from __future__ import annotations

from enum import StrEnum


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


class Category(StrEnum):
    PRODUCT_QUALITY = "product_quality"
    NOT_AS_DESCRIBED = "not_as_described"
    COUNTERFEIT = "counterfeit"
    SERVICE = "service"
    LOGISTICS = "logistics"
    TRANSACTION = "transaction"
    OTHER = "other"


class Role(StrEnum):
    BUYER = "buyer"
    MERCHANT = "merchant"
    PLATFORM = "platform"
    SYSTEM = "system"


class EvidenceKind(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    CHAT_LOG = "chat_log"
    TRANSACTION_RECORD = "transaction_record"
    INSPECTION_REPORT = "inspection_report"
    SERVICE_RECORD = "service_record"


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


class RejectionReason(StrEnum):
    NOT_PAID = "not_paid"
    WINDOW_EXPIRED = "window_expired"
    AMOUNT_EXCEEDS_ORDER = "amount_exceeds_order"
    SAME_PARTY = "same_party"
    DUPLICATE = "duplicate"
    ALREADY_DECIDED = "already_decided"
    PLATFORM_REJECTED = "platform_rejected"


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
