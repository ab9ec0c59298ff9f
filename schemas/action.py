"""`action.v1`: what a party does to a complaint (queue payload and HTTP body alike)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from schemas.complaint import NO_NUL, ComplaintV1, EvidenceItem, Id, field_errors
from schemas.vocabulary import RejectionReason

ActionName = Literal[
    "merchant.accept",
    "merchant.dispute",
    "merchant.message",
    "merchant.remedy_executed",
    "merchant.revise_offer",
    "merchant.accept_counter",
    "merchant.reject_counter",
    "merchant.appeal",
    "merchant.request_extension",
    "merchant.provide_information",
    "merchant.confirm_receipt",
    "merchant.dispute_receipt",
    "buyer.accept_offer",
    "buyer.reject_offer",
    "buyer.supply_evidence",
    "buyer.confirm",
    "buyer.appeal",
    "buyer.withdraw",
    "buyer.message",
    "buyer.file_followup",
    "buyer.counter_offer",
    "buyer.grant_extension",
    "buyer.refuse_extension",
    "buyer.provide_information",
    "buyer.ship_return",
    "platform.approve_review",
    "platform.reject_review",
    "platform.decide",
    "platform.approve_decision",
    "platform.suspend",
    "platform.resume",
    "platform.grant_extension",
    "platform.refuse_extension",
    "platform.request_information",
    "platform.refund_settled",
    "platform.refund_failed",
    "platform.approve_offer",
    "platform.refuse_offer",
]
RemedyType = Literal["refund", "return_and_refund", "exchange", "repair", "reship", "compensation"]
Cents = Annotated[int, Field(ge=0, le=10**13, strict=True)]

#: Fields each action must carry besides the envelope.
REQUIRED: dict[str, tuple[str, ...]] = {
    "merchant.accept": ("remedy",),
    "merchant.revise_offer": ("remedy",),
    "buyer.counter_offer": ("remedy",),
    "merchant.request_extension": ("hours", "text"),
    "platform.request_information": ("party", "text"),
    "buyer.provide_information": ("text",),
    "merchant.provide_information": ("text",),
    "buyer.ship_return": ("shipment",),
    "merchant.dispute_receipt": ("text",),
    "platform.refund_failed": ("settlement",),
    "merchant.dispute": ("text",),
    "merchant.message": ("text",),
    "buyer.supply_evidence": ("evidence",),
    "buyer.message": ("text",),
    "buyer.file_followup": ("complaint",),
    "platform.reject_review": ("reason",),
    "platform.decide": ("outcome", "rule"),
}
#: Remedies that must name an amount.
AMOUNT_REQUIRED = frozenset({"refund", "compensation"})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Actor(Strict):
    role: Literal["buyer", "merchant", "platform"]
    id: Id


class Remedy(Strict):
    type: RemedyType
    amount_cents: Cents | None = None
    compensation_cents: Cents | None = None

    @model_validator(mode="after")
    def _amount_when_needed(self) -> Remedy:
        if self.type in AMOUNT_REQUIRED and self.amount_cents is None:
            raise PydanticCustomError(
                "amount_required", "remedy {type} needs amount_cents", {"type": self.type}
            )
        return self


class Shipment(Strict):
    """A return parcel: the carrier and its tracking number."""

    carrier: Annotated[str, Field(min_length=1, max_length=64), NO_NUL]
    tracking_number: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{4,64}$")]


class Settlement(Strict):
    """The payment system's answer to a refund.instructed event."""

    instruction: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        None, description="the instruction's idempotency key (the pending one when omitted)"
    )
    reference: Annotated[str, Field(min_length=1, max_length=200), NO_NUL] | None = None
    reason: Annotated[str, Field(min_length=1, max_length=500), NO_NUL] | None = None


class Outcome(Strict):
    decision: Literal["buyer_wins", "partial", "merchant_wins"]
    amount_cents: Cents | None = None
    remedy_type: RemedyType | None = Field(
        None, description="the remedy decided; return_and_refund and exchange need the goods back"
    )

    @model_validator(mode="after")
    def _amount_matches_decision(self) -> Outcome:
        if (self.decision == "merchant_wins") != (self.amount_cents is None):
            raise PydanticCustomError(
                "amount_for_decision",
                "buyer_wins and partial need amount_cents; merchant_wins takes none",
            )
        if self.decision == "merchant_wins" and self.remedy_type is not None:
            raise PydanticCustomError("remedy_for_decision", "merchant_wins takes no remedy_type")
        return self


class ActionV1(Strict):
    schema_: Literal["action.v1"] = Field(alias="schema")
    complaint_id: Annotated[
        str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    ]
    action: ActionName
    actor: Actor
    idempotency_key: Annotated[str, Field(min_length=1, max_length=200)]
    remedy: Remedy | None = None
    text: Annotated[str, Field(min_length=2, max_length=2000), NO_NUL] | None = None
    evidence: Annotated[list[EvidenceItem], Field(max_length=100)] | None = None
    outcome: Outcome | None = None
    rule: Annotated[str, Field(min_length=1, max_length=100), NO_NUL] | None = None
    reason: RejectionReason | None = None
    complaint: ComplaintV1 | None = None
    shipment: Shipment | None = None
    settlement: Settlement | None = None
    hours: Annotated[int, Field(ge=1, le=48, strict=True)] | None = Field(
        None, description="merchant.request_extension: hours more on the running clock"
    )
    party: Literal["buyer", "merchant"] | None = Field(
        None, description="platform.request_information: whom staff ask"
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class InvalidMessage(ValueError):
    """A message that failed validation; `errors` name each field's path and rule."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e['path']}: {e['rule']}" for e in errors))


def _rule_errors(a: ActionV1) -> list[dict[str, Any]]:
    errors = []
    role = a.action.split(".", 1)[0]
    if a.actor.role != role:
        errors.append(
            {
                "path": "actor.role",
                "rule": "actor_role_mismatch",
                "message": f"{a.action} is taken by role {role}",
            }
        )
    for name in REQUIRED.get(a.action, ()):
        if getattr(a, name) is None:
            errors.append(
                {"path": name, "rule": "required_for_action", "message": f"{a.action} needs {name}"}
            )
    return errors


def parse_action(data: Any) -> ActionV1:
    try:
        if isinstance(data, str | bytes):
            action = ActionV1.model_validate_json(data)
        else:
            action = ActionV1.model_validate(data)
    except ValidationError as exc:
        raise InvalidMessage(field_errors(exc)) from None
    errors = _rule_errors(action)
    if errors:
        raise InvalidMessage(errors)
    return action
