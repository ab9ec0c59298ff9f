"""Codes the messages carry, shared by schemas/ and the pipeline (which re-exports them from
pipeline.domain.status). Each is mirrored by a Postgres ENUM where it is stored; tests check
that code and database agree."""

from __future__ import annotations

from enum import StrEnum


class EvidenceKind(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    CHAT_LOG = "chat_log"
    TRANSACTION_RECORD = "transaction_record"
    INSPECTION_REPORT = "inspection_report"
    SERVICE_RECORD = "service_record"


class RejectionReason(StrEnum):
    NOT_PAID = "not_paid"
    WINDOW_EXPIRED = "window_expired"
    AMOUNT_EXCEEDS_ORDER = "amount_exceeds_order"
    SAME_PARTY = "same_party"
    DUPLICATE = "duplicate"
    ALREADY_DECIDED = "already_decided"
    PLATFORM_REJECTED = "platform_rejected"
