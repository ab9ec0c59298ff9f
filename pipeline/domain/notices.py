"""Who hears about what (投诉反馈): each event notifies these parties, as data."""

from __future__ import annotations

from pipeline.domain.status import Role
from pipeline.domain.transitions import Event

B, M, P = Role.BUYER, Role.MERCHANT, Role.PLATFORM

RECIPIENTS: dict[Event, tuple[Role, ...]] = {
    Event.INTAKE_ACCEPTED: (B,),
    Event.REVIEW_REJECTED: (B,),
    Event.REVIEW_FLAGGED: (B, P),
    Event.REVIEW_APPROVED: (B,),
    Event.REVIEW_REJECTED_BY_PLATFORM: (B,),
    Event.EVIDENCE_INSUFFICIENT: (B,),
    Event.DISPATCHED: (B, M),
    Event.SUPPLY_EVIDENCE: (B,),
    Event.MERCHANT_ACCEPT: (B, P),
    Event.MERCHANT_DISPUTE: (B, P),
    Event.REMEDY_APPROVED: (B,),
    Event.REMEDY_REFUSED: (B, M, P),
    Event.ACCEPT_OFFER: (M,),
    Event.REJECT_OFFER: (M, P),
    Event.DECIDE: (B, M),
    Event.DECIDE_NO_REMEDY: (B, M),
    Event.DECISION_PROPOSED: (P,),
    Event.DECISION_APPROVED: (B, M),
    Event.REMEDY_EXECUTED: (B,),
    Event.CONFIRM: (M,),
    Event.APPEAL: (M, P),
    Event.WITHDRAW: (M,),
    Event.SUSPEND: (B, M),
    Event.RESUME: (B, M),
    Event.MERCHANT_MESSAGE: (B,),
    Event.BUYER_MESSAGE: (M,),
    Event.SLA_REVIEW_BREACHED: (P,),
    Event.SLA_EVIDENCE_TIMEOUT: (B,),
    Event.SLA_MERCHANT_BREACHED: (B, M, P),
    Event.SLA_OFFER_TIMEOUT: (B, M),
    Event.SLA_ARBITRATION_BREACHED: (P,),
    Event.SLA_REMEDY_BREACHED: (B, M, P),
    Event.SLA_CONFIRM_TIMEOUT: (B, M),
    Event.SLA_SUSPENSION_ELAPSED: (B, M),
    Event.REVISE_OFFER: (B,),
    Event.COUNTER_OFFER: (M,),
    Event.ACCEPT_COUNTER: (B,),
    Event.REJECT_COUNTER: (B, P),
    Event.NEGOTIATION_EXHAUSTED: (B, M, P),
    Event.SLA_COUNTER_TIMEOUT: (B, M, P),
    Event.SLA_OFFER_UNANSWERED: (B, M, P),
    Event.MERCHANT_APPEAL: (B, P),
    Event.EXTENSION_REQUESTED: (B, P),
    Event.EXTENSION_GRANTED: (B, M),
    Event.EXTENSION_REFUSED: (B, M),
    Event.EXTENSION_LAPSED: (M,),
    Event.INFORMATION_REQUESTED: (B, M),  # the handler tells only the party asked
    Event.BUYER_INFORMATION: (P,),
    Event.MERCHANT_INFORMATION: (P,),
    Event.SLA_INFORMATION_TIMEOUT: (B, M, P),
    Event.RETURN_REQUIRED: (B, M),
    Event.RETURN_SHIPPED: (M,),
    Event.RECEIPT_CONFIRMED: (B,),
    Event.RECEIPT_DISPUTED: (B, P),
    Event.SLA_RETURN_NOT_SHIPPED: (B, M),
    Event.SLA_RECEIPT_ASSUMED: (B, M),
    Event.REFUND_INSTRUCTED: (B, M),
    Event.REFUND_SETTLED: (B, M),
    Event.REFUND_FAILED: (B, M, P),
    Event.PLATFORM_EXECUTED: (B, M),
    Event.SLA_SETTLEMENT_OVERDUE: (P,),
    Event.CASE_OPENED: (P,),
    Event.CASE_DECIDED: (B, M),
    Event.CASE_DECIDED_NO_REMEDY: (B, M),
    Event.OFFER_HELD: (M, P),
    Event.OFFER_APPROVED: (B, M),
    Event.OFFER_REFUSED: (B, M),
    Event.SLA_OFFER_REVIEW_BREACHED: (P,),
}

PLATFORM_RECIPIENT_ID = "platform"


def recipient_id(role: Role, buyer_id: str, merchant_id: str) -> str:
    return {B: buyer_id, M: merchant_id}.get(role, PLATFORM_RECIPIENT_ID)
