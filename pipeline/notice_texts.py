"""What a notification says to a person, in each language: a subject per event and the
complaint's status in words. Codes (event kind, status) travel beside the texts."""

from __future__ import annotations

from pipeline.domain.status import Status
from pipeline.domain.transitions import Event
from pipeline.i18n import LANGUAGES, translate

E, S = Event, Status

SUBJECTS: dict[Event, str] = {
    E.INTAKE_ACCEPTED: "Your complaint was received",
    E.REVIEW_REJECTED: "Your complaint was not accepted",
    E.REVIEW_FLAGGED: "Your complaint is under manual review",
    E.REVIEW_APPROVED: "Your complaint passed review",
    E.REVIEW_REJECTED_BY_PLATFORM: "Platform staff did not accept your complaint",
    E.EVIDENCE_INSUFFICIENT: "More evidence is needed",
    E.DISPATCHED: "The complaint was sent to the merchant",
    E.SUPPLY_EVIDENCE: "Evidence was supplied",
    E.MERCHANT_ACCEPT: "The merchant offered a remedy",
    E.MERCHANT_DISPUTE: "The merchant disputes the complaint",
    E.REMEDY_APPROVED: "The merchant's offer was approved",
    E.REMEDY_REFUSED: "The merchant's offer goes to arbitration",
    E.ACCEPT_OFFER: "The buyer accepted the offer",
    E.REJECT_OFFER: "The buyer rejected the offer",
    E.DECIDE: "The platform decided",
    E.DECIDE_NO_REMEDY: "The platform decided: no remedy",
    E.DECISION_PROPOSED: "A decision awaits a second approval",
    E.DECISION_APPROVED: "The platform decided",
    E.REMEDY_EXECUTED: "The remedy was carried out",
    E.CONFIRM: "The buyer confirmed the result",
    E.APPEAL: "The decision was appealed",
    E.WITHDRAW: "The buyer withdrew the complaint",
    E.SUSPEND: "The complaint is suspended",
    E.RESUME: "The complaint resumed",
    E.MERCHANT_MESSAGE: "New message from the merchant",
    E.BUYER_MESSAGE: "New message from the buyer",
    E.SLA_REVIEW_BREACHED: "Review is overdue",
    E.SLA_EVIDENCE_TIMEOUT: "Closed: no evidence in time",
    E.SLA_MERCHANT_BREACHED: "The merchant did not answer in time",
    E.SLA_OFFER_TIMEOUT: "The offer was accepted by silence",
    E.SLA_ARBITRATION_BREACHED: "Arbitration is overdue",
    E.SLA_REMEDY_BREACHED: "The remedy was not carried out in time",
    E.SLA_CONFIRM_TIMEOUT: "Closed: the confirmation window elapsed",
    E.SLA_SUSPENSION_ELAPSED: "The suspension ended",
    E.REVISE_OFFER: "The merchant revised its offer",
    E.COUNTER_OFFER: "The buyer made a counter-offer",
    E.ACCEPT_COUNTER: "The merchant accepted the counter-offer",
    E.REJECT_COUNTER: "The merchant rejected the counter-offer",
    E.NEGOTIATION_EXHAUSTED: "Negotiation ended: the platform arbitrates",
    E.SLA_COUNTER_TIMEOUT: "The merchant did not answer the counter-offer in time",
    E.SLA_OFFER_UNANSWERED: "The offer was not answered in time",
    E.MERCHANT_APPEAL: "The merchant appealed the decision",
    E.EXTENSION_REQUESTED: "The merchant asks for more time",
    E.EXTENSION_GRANTED: "More time was granted",
    E.EXTENSION_REFUSED: "More time was refused",
    E.EXTENSION_LAPSED: "The request for more time lapsed",
    E.INFORMATION_REQUESTED: "The platform asks for information",
    E.BUYER_INFORMATION: "The buyer provided information",
    E.MERCHANT_INFORMATION: "The merchant provided information",
    E.SLA_INFORMATION_TIMEOUT: "Information was not provided in time",
    E.RETURN_REQUIRED: "Please ship the goods back",
    E.RETURN_SHIPPED: "The buyer shipped the goods back",
    E.RECEIPT_CONFIRMED: "The merchant confirmed receipt of the return",
    E.RECEIPT_DISPUTED: "The merchant disputes the returned goods",
    E.SLA_RETURN_NOT_SHIPPED: "Closed: the goods were not shipped back in time",
    E.SLA_RECEIPT_ASSUMED: "Receipt of the return is assumed",
    E.REFUND_INSTRUCTED: "A refund was instructed",
    E.REFUND_SETTLED: "The refund was paid",
    E.REFUND_FAILED: "The refund failed",
    E.PLATFORM_EXECUTED: "The platform carried out the remedy",
    E.SLA_SETTLEMENT_OVERDUE: "The refund is overdue",
    E.CASE_OPENED: "A case of many similar complaints was opened",
    E.CASE_DECIDED: "The platform decided the case",
    E.CASE_DECIDED_NO_REMEDY: "The platform decided the case: no remedy",
    E.OFFER_HELD: "The offer waits for platform approval",
    E.OFFER_APPROVED: "The platform approved the offer",
    E.OFFER_REFUSED: "The platform refused the offer",
    E.SLA_OFFER_REVIEW_BREACHED: "The offer review is overdue",
}

STATUS_NAMES: dict[Status, str] = {
    S.RECEIVED: "received",
    S.IN_REVIEW: "in review",
    S.AWAITING_EVIDENCE: "waiting for evidence",
    S.AWAITING_MERCHANT: "waiting for the merchant",
    S.MERCHANT_PROPOSED: "offer made",
    S.IN_ARBITRATION: "in arbitration",
    S.REMEDY_IN_PROGRESS: "remedy in progress",
    S.RESOLVED: "resolved",
    S.CLOSED: "closed",
    S.REJECTED: "rejected",
    S.WITHDRAWN: "withdrawn",
    S.SUSPENDED: "suspended",
    S.BUYER_COUNTERED: "counter-offer made",
    S.AWAITING_INFORMATION: "waiting for information",
    S.AWAITING_RETURN: "waiting for the goods to be shipped back",
    S.RETURN_IN_TRANSIT: "goods on their way back",
    S.AWAITING_SETTLEMENT: "waiting for the refund",
    S.OFFER_PENDING_APPROVAL: "offer waiting for approval",
}

TEXT = '{subject}: "{title}". Status: {status}.'


def texts(kind: str, status: str, title: str) -> dict[str, dict[str, str]]:
    """The subject and text of a notification in every language we have."""
    out = {}
    for lang in LANGUAGES:
        subject = translate(SUBJECTS.get(Event(kind), "Your complaint was updated"), lang)
        words = translate(STATUS_NAMES[Status(status)], lang)
        text = translate(TEXT, lang).format(subject=subject, title=title, status=words)
        out[lang] = {"subject": subject, "text": text}
    return out


def every_text() -> list[str]:
    """Every message id these texts use (the catalog must have each)."""
    return [*SUBJECTS.values(), *STATUS_NAMES.values(), TEXT, "Your complaint was updated"]


__all__ = ["STATUS_NAMES", "SUBJECTS", "every_text", "texts"]
