"""A signed-in buyer files a complaint: `POST /v1/my/complaints`.

Upstream systems submit complaint.v1 with the `ingest` scope; a person in the console has
no such scope and must not choose whose complaint it is. This route takes the buyer from
the party token, the time from the clock and the source `console`, builds the same
complaint.v1, and accepts it exactly as `POST /v1/complaints` does (group commit,
idempotent on the console's draft id and first sending time)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field, ValidationError

from pipeline.api.auth import require
from pipeline.api.caller import Caller
from pipeline.api.errors import documented
from pipeline.api.submit_endpoint import Accepted, accept_one
from pipeline.domain.status import Category
from pipeline.domain.text import text
from schemas.action import InvalidMessage
from schemas.complaint import Cents, EvidenceItem, Id, Order, Remedy, field_errors, parse_complaint

router = APIRouter()
SOURCE = "console"


class Filing(BaseModel):
    """complaint.v1 without what the gateway fills in (schema, source, external_id,
    submitted_at, buyer_id)."""

    draft_id: Annotated[
        str,
        Field(
            pattern=r"^[A-Za-z0-9_-]{8,64}$",
            description="Made once per form by the console: sending it again is a replay",
        ),
    ]
    merchant_id: Id
    order: Order
    category: Category
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(min_length=1, max_length=5000)]
    requested_remedy: Remedy
    claimed_amount_cents: Cents
    evidence: Annotated[list[EvidenceItem], Field(max_length=20)] = []
    submitted_at: Annotated[
        datetime | None,
        Field(
            description="When the form was first sent (kept by the console for retries); "
            "now when absent"
        ),
    ] = None

    model_config = {"extra": "forbid"}


@router.post(
    "/v1/my/complaints",
    status_code=202,
    response_model=Accepted,
    responses=documented(400, 401, 403, 409, 413, 415, 422, 429),
)
async def file_my_complaint(
    filing: Filing,
    request: Request,
    response: Response,
    caller: Annotated[Caller, Depends(require("act:buyer"))],
) -> Accepted:
    """File a complaint as the signed-in buyer (a party token with role buyer)."""
    if caller.role != "buyer" or caller.party_id is None:
        raise HTTPException(403, text("only a signed-in buyer files here"))
    body = filing.model_dump(mode="json", exclude={"draft_id", "submitted_at"})
    submitted = filing.submitted_at or datetime.now(UTC)
    try:
        complaint = parse_complaint(
            {
                **body,
                "schema": "complaint.v1",
                "source": SOURCE,
                "external_id": f"{caller.party_id}.{filing.draft_id}"[:128],
                "submitted_at": submitted.isoformat(),
                "buyer_id": caller.party_id,
            }
        )
    except ValidationError as exc:
        raise InvalidMessage(field_errors(exc)) from None
    accepted = await accept_one(request.app.state, complaint, None)
    if accepted.outcome == "replayed":
        response.headers["Idempotent-Replayed"] = "true"
    return accepted
