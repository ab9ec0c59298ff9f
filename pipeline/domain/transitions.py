"""The one transition table: (status, event) -> next status and the roles that may trigger it.

Every handler goes through `next_status`; nothing else decides where a complaint goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pipeline.domain.errors import ForbiddenActor, IllegalTransition
from pipeline.domain.status import TERMINAL, Role, Status
from schemas.action_names import ActionName


class Event(StrEnum):
    # An action's own event carries its name (ActionName); the others are named here.
    INTAKE_ACCEPTED = "intake.accepted"
    REVIEW_PASSED = "review.passed"
    REVIEW_FLAGGED = "review.flagged"
    REVIEW_REJECTED = "review.rejected"
    REVIEW_APPROVED = ActionName.PLATFORM_APPROVE_REVIEW
    REVIEW_REJECTED_BY_PLATFORM = ActionName.PLATFORM_REJECT_REVIEW
    EVIDENCE_ACCEPTED = "evidence.accepted"
    EVIDENCE_INSUFFICIENT = "evidence.insufficient"
    ROUTED = "route.assigned"
    DISPATCHED = "merchant.dispatched"
    SUPPLY_EVIDENCE = ActionName.BUYER_SUPPLY_EVIDENCE
    MERCHANT_ACCEPT = ActionName.MERCHANT_ACCEPT
    MERCHANT_DISPUTE = ActionName.MERCHANT_DISPUTE
    REMEDY_APPROVED = "platform.remedy_approved"
    REMEDY_REFUSED = "platform.remedy_refused"
    ACCEPT_OFFER = ActionName.BUYER_ACCEPT_OFFER
    REJECT_OFFER = ActionName.BUYER_REJECT_OFFER
    DECIDE = ActionName.PLATFORM_DECIDE
    DECIDE_NO_REMEDY = "platform.decide_no_remedy"
    DECISION_PROPOSED = "platform.decision_proposed"  # above the four-eyes amount
    DECISION_APPROVED = ActionName.PLATFORM_APPROVE_DECISION  # by a second staff member
    REMEDY_EXECUTED = ActionName.MERCHANT_REMEDY_EXECUTED
    CONFIRM = ActionName.BUYER_CONFIRM
    APPEAL = ActionName.BUYER_APPEAL
    WITHDRAW = ActionName.BUYER_WITHDRAW
    SUSPEND = ActionName.PLATFORM_SUSPEND
    RESUME = ActionName.PLATFORM_RESUME
    MERCHANT_MESSAGE = ActionName.MERCHANT_MESSAGE
    BUYER_MESSAGE = ActionName.BUYER_MESSAGE
    SLA_REVIEW_BREACHED = "sla.review_breached"
    SLA_EVIDENCE_TIMEOUT = "sla.evidence_timeout"
    SLA_MERCHANT_BREACHED = "sla.merchant_breached"
    SLA_OFFER_TIMEOUT = "sla.offer_timeout"
    SLA_ARBITRATION_BREACHED = "sla.arbitration_breached"
    SLA_REMEDY_BREACHED = "sla.remedy_breached"
    SLA_CONFIRM_TIMEOUT = "sla.confirm_timeout"
    SLA_SUSPENSION_ELAPSED = "sla.suspension_elapsed"
    SLA_WARNING = "sla.warning"
    CLAIM = "platform.claim"
    RELEASE = "platform.release"
    # Negotiation (docs/contracts.md §1): revised offers and counter-offers.
    REVISE_OFFER = ActionName.MERCHANT_REVISE_OFFER
    COUNTER_OFFER = ActionName.BUYER_COUNTER_OFFER
    ACCEPT_COUNTER = ActionName.MERCHANT_ACCEPT_COUNTER
    REJECT_COUNTER = ActionName.MERCHANT_REJECT_COUNTER
    NEGOTIATION_EXHAUSTED = "platform.negotiation_exhausted"
    SLA_COUNTER_TIMEOUT = "sla.counter_timeout"
    SLA_OFFER_UNANSWERED = "sla.offer_unanswered"
    MERCHANT_APPEAL = ActionName.MERCHANT_APPEAL
    # Time: one extension of the merchant's running clock; information staff ask for.
    EXTENSION_REQUESTED = ActionName.MERCHANT_REQUEST_EXTENSION
    EXTENSION_GRANTED = "extension.granted"  # by the buyer or staff
    EXTENSION_REFUSED = "extension.refused"  # by the buyer or staff
    EXTENSION_LAPSED = "extension.lapsed"  # nobody answered before the clock ran out
    INFORMATION_REQUESTED = ActionName.PLATFORM_REQUEST_INFORMATION
    BUYER_INFORMATION = ActionName.BUYER_PROVIDE_INFORMATION
    MERCHANT_INFORMATION = ActionName.MERCHANT_PROVIDE_INFORMATION
    SLA_INFORMATION_TIMEOUT = "sla.information_timeout"
    # Returns (return_and_refund, exchange): the goods go back before the remedy.
    RETURN_REQUIRED = "platform.return_required"
    RETURN_SHIPPED = ActionName.BUYER_SHIP_RETURN
    RECEIPT_CONFIRMED = ActionName.MERCHANT_CONFIRM_RECEIPT
    RECEIPT_DISPUTED = ActionName.MERCHANT_DISPUTE_RECEIPT
    SLA_RETURN_NOT_SHIPPED = "sla.return_not_shipped"
    SLA_RECEIPT_ASSUMED = "sla.receipt_assumed"
    # Money through the payments port.
    REFUND_INSTRUCTED = "refund.instructed"
    REFUND_SETTLED = "refund.settled"
    REFUND_FAILED = "refund.failed"
    PLATFORM_EXECUTED = "platform.remedy_executed"  # a remedy without money, after a breach
    SLA_SETTLEMENT_OVERDUE = "sla.settlement_overdue"
    # Cases (批量投诉): one staff decision for many complaints.
    CASE_OPENED = "platform.case_opened"
    CASE_DECIDED = "platform.case_decide"
    CASE_DECIDED_NO_REMEDY = "platform.case_decide_no_remedy"
    # Governance: a supervised merchant's offers wait for staff approval.
    OFFER_HELD = "platform.offer_held"
    OFFER_APPROVED = ActionName.PLATFORM_APPROVE_OFFER
    OFFER_REFUSED = ActionName.PLATFORM_REFUSE_OFFER
    SLA_OFFER_REVIEW_BREACHED = "sla.offer_review_breached"


#: Target meaning "the status the complaint was suspended from".
PREVIOUS = None

S, E = Status, Event
B, M, P, X = Role.BUYER, Role.MERCHANT, Role.PLATFORM, Role.SYSTEM

# Statuses in which a running case may be paused (中止) by the platform.
_SUSPENDABLE = (
    S.AWAITING_MERCHANT,
    S.MERCHANT_PROPOSED,
    S.BUYER_COUNTERED,
    S.IN_ARBITRATION,
    S.REMEDY_IN_PROGRESS,
    S.AWAITING_RETURN,
    S.RETURN_IN_TRANSIT,
)
_WITHDRAWABLE = (
    S.IN_REVIEW,
    S.AWAITING_EVIDENCE,
    S.AWAITING_MERCHANT,
    S.MERCHANT_PROPOSED,
    S.BUYER_COUNTERED,
    S.IN_ARBITRATION,
    S.AWAITING_INFORMATION,
    S.AWAITING_RETURN,
    S.OFFER_PENDING_APPROVAL,
    S.SUSPENDED,
)
_CLOCKED = (
    S.IN_REVIEW,
    S.AWAITING_EVIDENCE,
    S.AWAITING_MERCHANT,
    S.MERCHANT_PROPOSED,
    S.BUYER_COUNTERED,
    S.IN_ARBITRATION,
    S.REMEDY_IN_PROGRESS,
    S.RESOLVED,
    S.AWAITING_INFORMATION,
    S.AWAITING_RETURN,
    S.RETURN_IN_TRANSIT,
    S.AWAITING_SETTLEMENT,
    S.OFFER_PENDING_APPROVAL,
    S.SUSPENDED,
)
# Statuses with a staff queue: a staff member claims the complaint to work it (lease).
_QUEUED = (S.IN_REVIEW, S.IN_ARBITRATION)
_MESSAGING = (*_SUSPENDABLE, S.AWAITING_INFORMATION, S.OFFER_PENDING_APPROVAL)
# Statuses whose running clock may be the merchant's (the handler checks the clock's party).
_CASE_DECIDABLE = (
    S.AWAITING_MERCHANT,
    S.MERCHANT_PROPOSED,
    S.BUYER_COUNTERED,
    S.IN_ARBITRATION,
    S.AWAITING_INFORMATION,
)
_EXTENDABLE = (
    S.AWAITING_MERCHANT,
    S.BUYER_COUNTERED,
    S.REMEDY_IN_PROGRESS,
    S.AWAITING_INFORMATION,
    S.RETURN_IN_TRANSIT,
)

TABLE: dict[tuple[Status, Event], tuple[Status | None, frozenset[Role]]] = {
    (S.RECEIVED, E.INTAKE_ACCEPTED): (S.IN_REVIEW, frozenset({X})),
    (S.IN_REVIEW, E.REVIEW_PASSED): (S.IN_REVIEW, frozenset({X})),
    (S.IN_REVIEW, E.REVIEW_FLAGGED): (S.IN_REVIEW, frozenset({X})),
    (S.IN_REVIEW, E.REVIEW_REJECTED): (S.REJECTED, frozenset({X})),
    (S.IN_REVIEW, E.REVIEW_APPROVED): (S.IN_REVIEW, frozenset({P})),
    (S.IN_REVIEW, E.REVIEW_REJECTED_BY_PLATFORM): (S.REJECTED, frozenset({P})),
    (S.IN_REVIEW, E.EVIDENCE_ACCEPTED): (S.IN_REVIEW, frozenset({X})),
    (S.IN_REVIEW, E.EVIDENCE_INSUFFICIENT): (S.AWAITING_EVIDENCE, frozenset({X})),
    (S.IN_REVIEW, E.ROUTED): (S.IN_REVIEW, frozenset({X})),
    (S.IN_REVIEW, E.DISPATCHED): (S.AWAITING_MERCHANT, frozenset({X})),
    (S.IN_REVIEW, E.SLA_REVIEW_BREACHED): (S.IN_REVIEW, frozenset({X})),
    (S.AWAITING_EVIDENCE, E.SUPPLY_EVIDENCE): (S.IN_REVIEW, frozenset({B})),
    (S.AWAITING_EVIDENCE, E.SLA_EVIDENCE_TIMEOUT): (S.CLOSED, frozenset({X})),
    (S.AWAITING_MERCHANT, E.MERCHANT_ACCEPT): (S.MERCHANT_PROPOSED, frozenset({M})),
    (S.AWAITING_MERCHANT, E.MERCHANT_DISPUTE): (S.IN_ARBITRATION, frozenset({M})),
    (S.AWAITING_MERCHANT, E.SLA_MERCHANT_BREACHED): (S.IN_ARBITRATION, frozenset({X})),
    (S.MERCHANT_PROPOSED, E.REMEDY_APPROVED): (S.MERCHANT_PROPOSED, frozenset({X, P})),
    (S.MERCHANT_PROPOSED, E.REMEDY_REFUSED): (S.IN_ARBITRATION, frozenset({X, P})),
    (S.MERCHANT_PROPOSED, E.ACCEPT_OFFER): (S.REMEDY_IN_PROGRESS, frozenset({B})),
    (S.MERCHANT_PROPOSED, E.REJECT_OFFER): (S.IN_ARBITRATION, frozenset({B})),
    (S.MERCHANT_PROPOSED, E.SLA_OFFER_TIMEOUT): (S.REMEDY_IN_PROGRESS, frozenset({X})),
    # An offer the buyer must accept explicitly (remedy_rules) is not accepted by silence.
    (S.MERCHANT_PROPOSED, E.SLA_OFFER_UNANSWERED): (S.IN_ARBITRATION, frozenset({X})),
    (S.MERCHANT_PROPOSED, E.REVISE_OFFER): (S.MERCHANT_PROPOSED, frozenset({M})),
    (S.MERCHANT_PROPOSED, E.OFFER_HELD): (S.OFFER_PENDING_APPROVAL, frozenset({X})),
    (S.OFFER_PENDING_APPROVAL, E.OFFER_APPROVED): (S.MERCHANT_PROPOSED, frozenset({P})),
    (S.OFFER_PENDING_APPROVAL, E.OFFER_REFUSED): (S.IN_ARBITRATION, frozenset({P})),
    (S.OFFER_PENDING_APPROVAL, E.SLA_OFFER_REVIEW_BREACHED): (
        S.OFFER_PENDING_APPROVAL,
        frozenset({X}),
    ),
    (S.MERCHANT_PROPOSED, E.COUNTER_OFFER): (S.BUYER_COUNTERED, frozenset({B})),
    (S.BUYER_COUNTERED, E.REVISE_OFFER): (S.MERCHANT_PROPOSED, frozenset({M})),
    (S.BUYER_COUNTERED, E.ACCEPT_COUNTER): (S.REMEDY_IN_PROGRESS, frozenset({M})),
    (S.BUYER_COUNTERED, E.REJECT_COUNTER): (S.IN_ARBITRATION, frozenset({M})),
    (S.BUYER_COUNTERED, E.NEGOTIATION_EXHAUSTED): (S.IN_ARBITRATION, frozenset({X})),
    (S.BUYER_COUNTERED, E.SLA_COUNTER_TIMEOUT): (S.IN_ARBITRATION, frozenset({X})),
    # The system decides for the buyer when the merchant lets its deadline pass.
    (S.IN_ARBITRATION, E.DECIDE): (S.REMEDY_IN_PROGRESS, frozenset({P, X})),
    (S.IN_ARBITRATION, E.DECIDE_NO_REMEDY): (S.RESOLVED, frozenset({P})),
    (S.IN_ARBITRATION, E.DECISION_PROPOSED): (S.IN_ARBITRATION, frozenset({P})),
    (S.IN_ARBITRATION, E.DECISION_APPROVED): (S.REMEDY_IN_PROGRESS, frozenset({P})),
    (S.IN_ARBITRATION, E.SLA_ARBITRATION_BREACHED): (S.IN_ARBITRATION, frozenset({X})),
    (S.REMEDY_IN_PROGRESS, E.REMEDY_EXECUTED): (S.RESOLVED, frozenset({M})),
    (S.REMEDY_IN_PROGRESS, E.RETURN_REQUIRED): (S.AWAITING_RETURN, frozenset({X})),
    (S.AWAITING_RETURN, E.RETURN_SHIPPED): (S.RETURN_IN_TRANSIT, frozenset({B})),
    (S.AWAITING_RETURN, E.SLA_RETURN_NOT_SHIPPED): (S.CLOSED, frozenset({X})),
    (S.RETURN_IN_TRANSIT, E.RECEIPT_CONFIRMED): (S.REMEDY_IN_PROGRESS, frozenset({M})),
    (S.RETURN_IN_TRANSIT, E.RECEIPT_DISPUTED): (S.IN_ARBITRATION, frozenset({M})),
    (S.RETURN_IN_TRANSIT, E.SLA_RECEIPT_ASSUMED): (S.REMEDY_IN_PROGRESS, frozenset({X})),
    # On the merchant's breach the platform carries the remedy out: through the payments
    # port when it moves money, at once otherwise.
    (S.REMEDY_IN_PROGRESS, E.SLA_REMEDY_BREACHED): (S.REMEDY_IN_PROGRESS, frozenset({X})),
    (S.REMEDY_IN_PROGRESS, E.PLATFORM_EXECUTED): (S.RESOLVED, frozenset({X})),
    (S.REMEDY_IN_PROGRESS, E.REFUND_INSTRUCTED): (S.AWAITING_SETTLEMENT, frozenset({M, X})),
    (S.AWAITING_SETTLEMENT, E.REFUND_SETTLED): (S.RESOLVED, frozenset({P})),
    (S.AWAITING_SETTLEMENT, E.REFUND_FAILED): (S.REMEDY_IN_PROGRESS, frozenset({P})),
    (S.AWAITING_SETTLEMENT, E.SLA_SETTLEMENT_OVERDUE): (S.AWAITING_SETTLEMENT, frozenset({X})),
    # Staff ask a party for information: their clock pauses while the party's runs.
    (S.IN_ARBITRATION, E.INFORMATION_REQUESTED): (S.AWAITING_INFORMATION, frozenset({P})),
    (S.AWAITING_INFORMATION, E.BUYER_INFORMATION): (S.IN_ARBITRATION, frozenset({B})),
    (S.AWAITING_INFORMATION, E.MERCHANT_INFORMATION): (S.IN_ARBITRATION, frozenset({M})),
    (S.AWAITING_INFORMATION, E.SLA_INFORMATION_TIMEOUT): (S.IN_ARBITRATION, frozenset({X})),
    (S.RESOLVED, E.CONFIRM): (S.CLOSED, frozenset({B})),
    (S.RESOLVED, E.APPEAL): (S.IN_ARBITRATION, frozenset({B})),
    (S.RESOLVED, E.MERCHANT_APPEAL): (S.IN_ARBITRATION, frozenset({M})),
    (S.RESOLVED, E.SLA_CONFIRM_TIMEOUT): (S.CLOSED, frozenset({X})),
    (S.SUSPENDED, E.RESUME): (PREVIOUS, frozenset({P})),
    (S.SUSPENDED, E.SLA_SUSPENSION_ELAPSED): (PREVIOUS, frozenset({X})),
    **{(s, E.SUSPEND): (S.SUSPENDED, frozenset({P})) for s in _SUSPENDABLE},
    **{(s, E.WITHDRAW): (S.WITHDRAWN, frozenset({B})) for s in _WITHDRAWABLE},
    **{(s, E.MERCHANT_MESSAGE): (s, frozenset({M})) for s in _MESSAGING},
    **{(s, E.BUYER_MESSAGE): (s, frozenset({B})) for s in _MESSAGING},
    **{(s, E.SLA_WARNING): (s, frozenset({X})) for s in _CLOCKED},
    **{(s, E.CLAIM): (s, frozenset({P})) for s in _QUEUED},
    **{(s, E.RELEASE): (s, frozenset({P})) for s in _QUEUED},
    **{(s, E.CASE_OPENED): (s, frozenset({X})) for s in _CLOCKED if s is not S.IN_REVIEW},
    **{(s, E.CASE_DECIDED): (S.REMEDY_IN_PROGRESS, frozenset({P})) for s in _CASE_DECIDABLE},
    **{(s, E.CASE_DECIDED_NO_REMEDY): (S.RESOLVED, frozenset({P})) for s in _CASE_DECIDABLE},
    **{(s, E.EXTENSION_REQUESTED): (s, frozenset({M})) for s in _EXTENDABLE},
    **{(s, E.EXTENSION_GRANTED): (s, frozenset({B, P})) for s in _EXTENDABLE},
    **{(s, E.EXTENSION_REFUSED): (s, frozenset({B, P})) for s in _EXTENDABLE},
    **{(s, E.EXTENSION_LAPSED): (s, frozenset({X})) for s in _EXTENDABLE},
}


@dataclass(frozen=True)
class Step:
    source: Status
    event: Event
    target: Status


def allowed_events(status: Status, role: Role | None = None) -> list[str]:
    return sorted(
        str(event)
        for (src, event), (_, roles) in TABLE.items()
        if src == status and (role is None or role in roles)
    )


def next_status(
    status: Status, event: Event, role: Role, suspended_from: Status | None = None
) -> Step:
    """Return the step `event` takes from `status`, or raise naming what is allowed."""
    try:
        target, roles = TABLE[(status, event)]
    except KeyError:
        raise IllegalTransition(status, event, allowed_events(status)) from None
    if role not in roles:
        raise ForbiddenActor(event, role, sorted(roles))
    if target is PREVIOUS:
        if suspended_from is None:
            raise IllegalTransition(status, event, allowed_events(status))
        target = suspended_from
    return Step(status, event, target)


def successors(status: Status) -> set[Status]:
    """Statuses reachable in one step (PREVIOUS expands to every suspendable status)."""
    out: set[Status] = set()
    for (src, _), (target, _) in TABLE.items():
        if src != status:
            continue
        out.update(_SUSPENDABLE if target is PREVIOUS else {target})
    return out


assert not any(src in TERMINAL for src, _ in TABLE), "terminal statuses have no exits"
