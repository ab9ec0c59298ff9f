"""Cases (批量投诉) for the platform: a case and its complaints, and one staff decision for
all of them (docs/contracts.md §1). Buyers and merchants do not see cases."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from pipeline.api.auth import any_scope, ensure_scope, require
from pipeline.api.caller import Caller
from pipeline.api.errors import documented
from pipeline.api.visibility import ensure_grant
from pipeline.db import cases
from pipeline.db.pool import read
from pipeline.db.store import unit_of_work
from pipeline.domain.errors import NotFound
from pipeline.domain.text import text
from pipeline.handlers.case_decisions import CaseDecided, approve_case_decision, decide_case
from schemas.action import Outcome
from schemas.action_names import ActionName
from schemas.complaint import NO_NUL

router = APIRouter()


class CaseDecisionIn(BaseModel):
    idempotency_key: Annotated[str, Field(min_length=1, max_length=200)]
    outcome: Outcome
    rule: Annotated[str, Field(min_length=1, max_length=100), NO_NUL]


class CaseDecisionOut(BaseModel):
    case_id: str
    decision_id: int
    sent_to: int = Field(description="complaints this request sent the decision to")
    outcome: Literal["applied", "proposed", "replayed"] = Field(
        description="proposed: over the four-eyes amount in total, it waits for a second "
        "staff member's approval (POST …/decisions/{decision_id}/approve)"
    )
    status: Literal["applied", "proposed"] = Field(description="the decision's state now")
    total_cents: int = Field(
        0, description="the remedy over the whole case (amount x complaints), when recorded"
    )


def _out(case_id: str, d: CaseDecided) -> CaseDecisionOut:
    return CaseDecisionOut(
        case_id=case_id,
        decision_id=d.decision_id,
        sent_to=d.sent_to,
        outcome=d.outcome,
        status=d.status,
        total_cents=d.total_cents,
    )


def _case(conn: Any, case_id: str) -> dict[str, Any]:
    case = cases.get(conn, case_id)
    if case is None:
        raise NotFound(text("no case {id}", id=case_id))
    members = cases.members(conn, case_id)
    decisions = cases.decisions_of(conn, case_id)
    return {
        **fix({**case, "id": str(case["id"]), "opened_by": str(case["opened_by"])}),
        "complaints": [fix(m) for m in members],
        "decisions": [fix(d) for d in decisions],
    }


_TIMES = ("opened_at", "decided_at", "created_at")


def fix(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if k in _TIMES and v else v) for k, v in row.items()}


def _platform_only(caller: Caller, case_id: str) -> None:
    if caller.is_party:
        raise NotFound(text("no case {id}", id=case_id))


@router.get("/v1/cases/{case_id}", responses=documented(401, 403, 404, 422))
def get_case(
    case_id: uuid.UUID, request: Request, caller: Annotated[Caller, Depends(require("read"))]
) -> dict[str, Any]:
    """A case: merchant, product, category, when it opened, its complaints (in the order
    they joined) and the decisions taken for it."""
    _platform_only(caller, str(case_id))
    return read(request.app.state.pool, lambda conn: _case(conn, str(case_id)))


@router.post(
    "/v1/cases/{case_id}/decisions",
    response_model=CaseDecisionOut,
    responses=documented(400, 401, 403, 404, 409, 413, 415, 422),
)
def decide(
    case_id: uuid.UUID,
    body: CaseDecisionIn,
    request: Request,
    caller: Annotated[Caller, Depends(any_scope)],
) -> CaseDecisionOut:
    """One staff decision for every open complaint of the case; each complaint gets its own
    event from it, once. The same idempotency key answers the first decision again. A
    decision whose amount times the case's complaints exceeds the four-eyes amount
    (`COMPLAINTS_FOUR_EYES_AMOUNT_CENTS`) is proposed: it waits for another staff member's
    approval before it is sent to any complaint."""
    _platform_only(caller, str(case_id))
    ensure_scope(caller, "act:platform")
    ensure_grant(caller, ActionName.PLATFORM_DECIDE)
    read(request.app.state.pool, lambda conn: _case(conn, str(case_id)))  # 404 when unknown
    staff = caller.party_id or caller.name
    with unit_of_work(request.app.state.pool, policy=request.app.state.policy) as store:
        decided = decide_case(
            store,
            str(case_id),
            body.idempotency_key,
            body.outcome.model_dump(exclude_none=True),
            body.rule,
            staff,
            request.app.state.settings.four_eyes_amount_cents,
        )
    return _out(str(case_id), decided)


@router.post(
    "/v1/cases/{case_id}/decisions/{decision_id}/approve",
    response_model=CaseDecisionOut,
    responses=documented(401, 403, 404, 409, 422),
)
def approve(
    case_id: uuid.UUID,
    decision_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    request: Request,
    caller: Annotated[Caller, Depends(any_scope)],
) -> CaseDecisionOut:
    """The second pair of eyes on a proposed case decision: a staff member other than its
    proposer approves it, and it is sent to every complaint of the case as proposed.
    Approving again answers `replayed`; the proposer answers 403 `four_eyes`; a decision
    that waits for nothing answers 409 `no_pending_decision`."""
    _platform_only(caller, str(case_id))
    ensure_scope(caller, "act:platform")
    ensure_grant(caller, ActionName.PLATFORM_APPROVE_DECISION)
    staff = caller.party_id or caller.name
    with unit_of_work(request.app.state.pool, policy=request.app.state.policy) as store:
        approved = approve_case_decision(store, str(case_id), decision_id, staff)
    return _out(str(case_id), approved)
