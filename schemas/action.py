"""`action.v1`: what a party does to a complaint (queue payload and HTTP body alike)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from schemas.action_names import ActionName
from schemas.complaint import NO_NUL, ComplaintV1, EvidenceItem, Id, field_errors
from schemas.vocabulary import RejectionReason

RemedyType = Literal["refund", "return_and_refund", "exchange", "repair", "reship", "compensation"]
Cents = Annotated[int, Field(ge=0, le=10**13, strict=True)]

#: Fields each action must carry besides the envelope.
REQUIRED: dict[ActionName, tuple[str, ...]] = {
    ActionName.MERCHANT_ACCEPT: ("remedy",),
    ActionName.MERCHANT_REVISE_OFFER: ("remedy",),
    ActionName.BUYER_COUNTER_OFFER: ("remedy",),
    ActionName.MERCHANT_REQUEST_EXTENSION: ("hours", "text"),
    ActionName.PLATFORM_REQUEST_INFORMATION: ("party", "text"),
    ActionName.BUYER_PROVIDE_INFORMATION: ("text",),
    ActionName.MERCHANT_PROVIDE_INFORMATION: ("text",),
    ActionName.BUYER_SHIP_RETURN: ("shipment",),
    ActionName.MERCHANT_DISPUTE_RECEIPT: ("text",),
    ActionName.PLATFORM_REFUND_FAILED: ("settlement",),
    ActionName.MERCHANT_DISPUTE: ("text",),
    ActionName.MERCHANT_MESSAGE: ("text",),
    ActionName.BUYER_SUPPLY_EVIDENCE: ("evidence",),
    ActionName.BUYER_MESSAGE: ("text",),
    ActionName.BUYER_FILE_FOLLOWUP: ("complaint",),
    ActionName.PLATFORM_REJECT_REVIEW: ("reason",),
    ActionName.PLATFORM_DECIDE: ("outcome", "rule"),
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
    role = a.action.role
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
