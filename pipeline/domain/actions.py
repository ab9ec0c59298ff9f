"""Party actions mapped onto the transition table, and what each role may do right now."""

from __future__ import annotations

from pipeline.domain.status import Role, Stage, Status
from pipeline.domain.transitions import Event, allowed_events

#: action.v1 name -> the event it triggers (platform.decide picks by outcome, see handler).
ACTION_EVENTS: dict[str, Event] = {
    "merchant.accept": Event.MERCHANT_ACCEPT,
    "merchant.dispute": Event.MERCHANT_DISPUTE,
    "merchant.message": Event.MERCHANT_MESSAGE,
    "merchant.remedy_executed": Event.REMEDY_EXECUTED,
    "merchant.revise_offer": Event.REVISE_OFFER,
    "merchant.accept_counter": Event.ACCEPT_COUNTER,
    "merchant.reject_counter": Event.REJECT_COUNTER,
    "buyer.counter_offer": Event.COUNTER_OFFER,
    "merchant.appeal": Event.MERCHANT_APPEAL,
    "merchant.request_extension": Event.EXTENSION_REQUESTED,
    "buyer.grant_extension": Event.EXTENSION_GRANTED,
    "buyer.refuse_extension": Event.EXTENSION_REFUSED,
    "platform.grant_extension": Event.EXTENSION_GRANTED,
    "platform.refuse_extension": Event.EXTENSION_REFUSED,
    "platform.request_information": Event.INFORMATION_REQUESTED,
    "buyer.provide_information": Event.BUYER_INFORMATION,
    "merchant.provide_information": Event.MERCHANT_INFORMATION,
    "buyer.ship_return": Event.RETURN_SHIPPED,
    "merchant.confirm_receipt": Event.RECEIPT_CONFIRMED,
    "merchant.dispute_receipt": Event.RECEIPT_DISPUTED,
    "platform.refund_settled": Event.REFUND_SETTLED,
    "platform.refund_failed": Event.REFUND_FAILED,
    "platform.approve_offer": Event.OFFER_APPROVED,
    "platform.refuse_offer": Event.OFFER_REFUSED,
    "buyer.accept_offer": Event.ACCEPT_OFFER,
    "buyer.reject_offer": Event.REJECT_OFFER,
    "buyer.supply_evidence": Event.SUPPLY_EVIDENCE,
    "buyer.confirm": Event.CONFIRM,
    "buyer.appeal": Event.APPEAL,
    "buyer.withdraw": Event.WITHDRAW,
    "buyer.message": Event.BUYER_MESSAGE,
    "platform.approve_review": Event.REVIEW_APPROVED,
    "platform.reject_review": Event.REVIEW_REJECTED_BY_PLATFORM,
    "platform.decide": Event.DECIDE,
    "platform.approve_decision": Event.DECISION_APPROVED,
    "platform.suspend": Event.SUSPEND,
    "platform.resume": Event.RESUME,
}
#: Events an action may lead to besides its own (platform.decide picks one by outcome).
_ALSO: dict[Event, str] = {
    Event.DECIDE_NO_REMEDY: "platform.decide",
    Event.DECISION_PROPOSED: "platform.decide",
    Event.REFUND_INSTRUCTED: "merchant.remedy_executed",
}

#: The staff grant (party tokens) each platform action needs.
ACTION_GRANTS: dict[str, str] = {
    "platform.approve_review": "review",
    "platform.reject_review": "review",
    "platform.decide": "arbitrate",
    "platform.approve_decision": "arbitrate",
    "platform.suspend": "arbitrate",
    "platform.resume": "arbitrate",
    "platform.grant_extension": "arbitrate",
    "platform.refuse_extension": "arbitrate",
    "platform.request_information": "arbitrate",
    "platform.refund_settled": "arbitrate",
    "platform.refund_failed": "arbitrate",
    "platform.approve_offer": "supervise",
    "platform.refuse_offer": "supervise",
    "platform.lift_supervision": "supervise",  # not an action.v1: the merchants endpoint
}
#: Platform decisions awarding more than this need a second staff member's approval
#: (the default of COMPLAINTS_FOUR_EYES_AMOUNT_CENTS).
FOUR_EYES_AMOUNT_CENTS = 500_000

#: Actions that also need the complaint at a given automated stage.
STAGE_GUARD: dict[str, Stage] = {
    "platform.approve_review": Stage.MANUAL_REVIEW,
    "platform.reject_review": Stage.MANUAL_REVIEW,
}
#: Actions whose evidence is checked against object storage before the transaction.
CHECKED_EVIDENCE = frozenset({"merchant.dispute", "merchant.dispute_receipt"})
#: Remedies carried out only once the goods came back to the merchant.
RETURNED_REMEDIES = frozenset({"return_and_refund", "exchange"})
#: Statuses from which a buyer may file a follow-up complaint (a new one, parent_id linked).
FOLLOWUP_FROM = frozenset({Status.RESOLVED, Status.CLOSED})

PARTY_ROLES = (Role.BUYER, Role.MERCHANT, Role.PLATFORM)


def allowed_actions(status: Status, stage: Stage, role: Role) -> list[str]:
    events = {Event(e) for e in allowed_events(status, role)}
    # Several roles may share an event (e.g. granting an extension): a name is its role's.
    names = {
        name
        for name, event in ACTION_EVENTS.items()
        if event in events and name.split(".", 1)[0] == role.value
    }
    names |= {name for event, name in _ALSO.items() if event in events}
    names = {n for n in names if STAGE_GUARD.get(n, stage) is stage}
    if role is Role.BUYER and status in FOLLOWUP_FROM:
        names.add("buyer.file_followup")
    return sorted(names)


def allowed_by_role(status: Status, stage: Stage) -> dict[str, list[str]]:
    return {role.value: allowed_actions(status, stage, role) for role in PARTY_ROLES}
