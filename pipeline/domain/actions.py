"""Party actions mapped onto the transition table, and what each role may do right now."""

from __future__ import annotations

from pipeline.domain.status import Role, Stage, Status
from pipeline.domain.transitions import Event, allowed_events
from schemas.action_names import ActionName

#: Actions whose event has a name of its own; every other action's event is named after it.
_RENAMED: dict[ActionName, Event] = {
    ActionName.BUYER_GRANT_EXTENSION: Event.EXTENSION_GRANTED,
    ActionName.BUYER_REFUSE_EXTENSION: Event.EXTENSION_REFUSED,
    ActionName.PLATFORM_GRANT_EXTENSION: Event.EXTENSION_GRANTED,
    ActionName.PLATFORM_REFUSE_EXTENSION: Event.EXTENSION_REFUSED,
    ActionName.PLATFORM_REFUND_SETTLED: Event.REFUND_SETTLED,
    ActionName.PLATFORM_REFUND_FAILED: Event.REFUND_FAILED,
}
#: action.v1 name -> the event it triggers (platform.decide picks by outcome, see handler);
#: buyer.file_followup triggers none (it files a new complaint).
ACTION_EVENTS: dict[ActionName, Event] = {
    name: _RENAMED.get(name) or Event(name)
    for name in ActionName
    if name is not ActionName.BUYER_FILE_FOLLOWUP
}
#: Events an action may lead to besides its own (platform.decide picks one by outcome).
_ALSO: dict[Event, ActionName] = {
    Event.DECIDE_NO_REMEDY: ActionName.PLATFORM_DECIDE,
    Event.DECISION_PROPOSED: ActionName.PLATFORM_DECIDE,
    Event.REFUND_INSTRUCTED: ActionName.MERCHANT_REMEDY_EXECUTED,
}

#: The staff grant (party tokens) each platform action needs.
ACTION_GRANTS: dict[str, str] = {
    ActionName.PLATFORM_APPROVE_REVIEW: "review",
    ActionName.PLATFORM_REJECT_REVIEW: "review",
    ActionName.PLATFORM_DECIDE: "arbitrate",
    ActionName.PLATFORM_APPROVE_DECISION: "arbitrate",
    ActionName.PLATFORM_SUSPEND: "arbitrate",
    ActionName.PLATFORM_RESUME: "arbitrate",
    ActionName.PLATFORM_GRANT_EXTENSION: "arbitrate",
    ActionName.PLATFORM_REFUSE_EXTENSION: "arbitrate",
    ActionName.PLATFORM_REQUEST_INFORMATION: "arbitrate",
    ActionName.PLATFORM_REFUND_SETTLED: "arbitrate",
    ActionName.PLATFORM_REFUND_FAILED: "arbitrate",
    ActionName.PLATFORM_APPROVE_OFFER: "supervise",
    ActionName.PLATFORM_REFUSE_OFFER: "supervise",
    "platform.lift_supervision": "supervise",  # not an action.v1: the merchants endpoint
}
#: Platform decisions awarding more than this need a second staff member's approval
#: (the default of COMPLAINTS_FOUR_EYES_AMOUNT_CENTS).
FOUR_EYES_AMOUNT_CENTS = 500_000

#: Actions that also need the complaint at a given automated stage.
STAGE_GUARD: dict[ActionName, Stage] = {
    ActionName.PLATFORM_APPROVE_REVIEW: Stage.MANUAL_REVIEW,
    ActionName.PLATFORM_REJECT_REVIEW: Stage.MANUAL_REVIEW,
}
#: Actions whose evidence is checked against object storage before the transaction.
CHECKED_EVIDENCE = frozenset({ActionName.MERCHANT_DISPUTE, ActionName.MERCHANT_DISPUTE_RECEIPT})
#: Remedies carried out only once the goods came back to the merchant.
RETURNED_REMEDIES = frozenset({"return_and_refund", "exchange"})
#: Statuses from which a buyer may file a follow-up complaint (a new one, parent_id linked).
FOLLOWUP_FROM = frozenset({Status.RESOLVED, Status.CLOSED})

PARTY_ROLES = (Role.BUYER, Role.MERCHANT, Role.PLATFORM)


def allowed_actions(status: Status, stage: Stage, role: Role) -> list[str]:
    events = {Event(e) for e in allowed_events(status, role)}
    # Several roles may share an event (e.g. granting an extension): a name is its role's.
    names = {
        name for name, event in ACTION_EVENTS.items() if event in events and name.role == role.value
    }
    names |= {name for event, name in _ALSO.items() if event in events}
    names = {n for n in names if STAGE_GUARD.get(n, stage) is stage}
    if role is Role.BUYER and status in FOLLOWUP_FROM:
        names.add(ActionName.BUYER_FILE_FOLLOWUP)
    return sorted(names)


def allowed_by_role(status: Status, stage: Stage) -> dict[str, list[str]]:
    return {role.value: allowed_actions(status, stage, role) for role in PARTY_ROLES}
