"""The complaint resource over HTTP (docs/contracts.md §8): batches submitted, one complaint
and its events read, an action.v1 applied. Single submissions are answered ahead of the
router (pipeline/api/submit_endpoint.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field, ValidationError

from pipeline.api.auth import any_scope, ensure_scope, require
from pipeline.api.caller import Caller
from pipeline.api.errors import documented
from pipeline.api.visibility import as_caller, ensure_grant, ensure_visible
from pipeline.db.pool import read
from pipeline.db.store import unit_of_work
from pipeline.handlers.actions import handle_action
from pipeline.handlers.evidence import precheck
from pipeline.handlers.intake import accept
from pipeline.views import complaint_view, timeline
from schemas.action import InvalidMessage, parse_action
from schemas.complaint import ComplaintV1, field_errors, parse_complaint

router = APIRouter()


class BatchIn(BaseModel):
    items: Annotated[
        list[Any], Field(min_length=1, max_length=1000, description="complaint.v1 objects")
    ]


class BatchResult(BaseModel):
    index: int
    external_id: str | None
    id: str | None
    outcome: Literal["accepted", "replayed", "invalid", "conflict"]
    errors: list[dict[str, Any]] = []


class BatchOut(BaseModel):
    results: list[BatchResult]


class ActionOut(BaseModel):
    complaint_id: str
    status: str
    outcome: Literal["applied", "replayed"]
    followup_id: str | None = None


def now() -> datetime:
    return datetime.now(UTC)


def _check_backlog(request: Request) -> None:
    """429 when the intake backlog passes the limit (measured at most once a second)."""
    request.app.state.backlog.check()


def _accept(request: Request, items: list[tuple[ComplaintV1, str | None]]) -> list[Any]:
    with unit_of_work(request.app.state.pool, policy=request.app.state.policy) as store:
        return accept(store, items)


@router.post(
    "/v1/complaints/batch",
    response_model=BatchOut,
    responses=documented(400, 401, 403, 413, 415, 422, 429),
    dependencies=[Depends(require("ingest"))],
)
def submit_batch(batch: BatchIn, request: Request) -> BatchOut:
    """Up to 1,000 complaints in one transaction; one result per item, valid items accepted
    even when others fail."""
    _check_backlog(request)
    results: list[BatchResult | None] = [None] * len(batch.items)
    valid: list[tuple[int, ComplaintV1]] = []
    for i, raw in enumerate(batch.items):
        ext = raw.get("external_id") if isinstance(raw, dict) else None
        try:
            valid.append((i, parse_complaint(raw)))
        except ValidationError as exc:
            results[i] = BatchResult(
                index=i,
                external_id=ext if isinstance(ext, str) else None,
                id=None,
                outcome="invalid",
                errors=field_errors(exc),
            )
    accepted = _accept(request, [(c, None) for _, c in valid]) if valid else []
    for (i, c), r in zip(valid, accepted, strict=True):
        results[i] = BatchResult(
            index=i,
            external_id=c.external_id,
            id=r.complaint_id,
            outcome=r.outcome,
            errors=list(r.errors),
        )
    return BatchOut(results=[r for r in results if r is not None])


@router.get("/v1/complaints/{complaint_id}", responses=documented(401, 403, 404, 422))
def get_complaint(
    complaint_id: uuid.UUID, request: Request, caller: Annotated[Caller, Depends(require("read"))]
) -> dict[str, Any]:
    """Status, evidence verdicts, clocks (who must act by when), allowed actions, outcome.
    A buyer or merchant sees only their own complaints (another's answers 404)."""

    def query(conn: Any) -> dict[str, Any]:
        ensure_visible(conn, caller, str(complaint_id))
        return complaint_view(conn, str(complaint_id), now())

    return read(request.app.state.pool, query)


@router.get("/v1/complaints/{complaint_id}/events", responses=documented(401, 403, 404, 422))
def get_events(
    complaint_id: uuid.UUID,
    request: Request,
    caller: Annotated[Caller, Depends(require("read"))],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
) -> dict[str, Any]:
    def query(conn: Any) -> list[dict[str, Any]]:
        ensure_visible(conn, caller, str(complaint_id))
        complaint_view(conn, str(complaint_id), now())  # 404 when unknown
        return timeline(conn, str(complaint_id), limit, offset)

    events = read(request.app.state.pool, query)
    return {"events": events, "next_offset": offset + len(events) if len(events) == limit else None}


@router.post(
    "/v1/complaints/{complaint_id}/actions",
    response_model=ActionOut,
    responses=documented(400, 401, 403, 404, 409, 413, 415, 422),
)
def post_action(
    complaint_id: uuid.UUID,
    body: dict[str, Any],
    request: Request,
    response: Response,
    caller: Annotated[Caller, Depends(any_scope)],
) -> ActionOut:
    """An action.v1 on this complaint, by a party the token may act for. The idempotency key
    is the caller's own: the same key and request answers the first result again
    (`Idempotent-Replayed: true`); the same key with another request answers 409."""
    named = body.get("complaint_id", str(complaint_id))
    if named != str(complaint_id):
        raise InvalidMessage(
            [
                {
                    "path": "complaint_id",
                    "rule": "complaint_id_mismatch",
                    "message": f"the body names {named}, the path {complaint_id}",
                }
            ]
        )
    action = parse_action({**as_caller(caller, body), "complaint_id": str(complaint_id)})
    ensure_scope(caller, f"act:{action.actor.role}")
    ensure_grant(caller, action.action)
    read(request.app.state.pool, lambda conn: ensure_visible(conn, caller, str(complaint_id)))
    checked = precheck(action, request.app.state.evidence)
    with unit_of_work(request.app.state.pool, policy=request.app.state.policy) as store:
        result = handle_action(
            store,
            action,
            checked,
            caller=caller.name,
            four_eyes_cents=request.app.state.settings.four_eyes_amount_cents,
        )
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return ActionOut(
        complaint_id=result.complaint_id,
        status=result.status,
        outcome="replayed" if result.replayed else "applied",
        followup_id=result.followup_id,
    )
