"""HTTP routes for the people who work complaints (DESIGN §7): work lists, staff queues and
claims, a merchant's scorecard, evidence downloads. Each parses, calls a handler, answers;
what a caller may see is applied by the handlers (in SQL for lists)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel

from pipeline.api.auth import require
from pipeline.api.caller import Caller
from pipeline.api.errors import Unavailable, documented
from pipeline.db.pool import read
from pipeline.db.store import unit_of_work
from pipeline.domain.errors import NotFound
from pipeline.domain.status import Category, Role, Status
from pipeline.domain.text import text
from pipeline.handlers import claims
from pipeline.handlers.evidence_access import Viewer, presigned_get, record_view
from pipeline.views import one_merchant_scorecard
from pipeline.worklist import BadCursor, Filters, page, visible
from schemas.action import InvalidMessage
from schemas.complaint import Id

router = APIRouter()
Limit = Annotated[int, Query(ge=1, le=200, description="Items per page (1-200).")]
Cursor = Annotated[
    str | None, Query(max_length=200, description="The `next_cursor` of the previous page.")
]
SCORECARD_DAYS = 30


class ListItem(BaseModel):
    id: str
    status: str
    stage: str
    category: str
    title: str
    buyer_id: str
    merchant_id: str
    waiting_on: str | None
    due_at: str | None
    remaining_seconds: int | None
    escalation_level: int
    holder: str | None
    lease_expires_at: str | None
    updated_at: str


class ListPage(BaseModel):
    items: list[ListItem]
    next_cursor: str | None


class ClaimOut(BaseModel):
    complaint_id: str
    queue: str
    holder: str | None
    lease_expires_at: str | None


class EvidenceLink(BaseModel):
    url: str
    method: Literal["GET"]
    expires_in: int
    filename: str
    content_type: str
    kind: str
    size: int


def _now() -> datetime:
    return datetime.now(UTC)


def _page(request: Request, filters: Filters | None, cursor: str | None, limit: int) -> ListPage:
    try:
        body = read(request.app.state.pool, lambda conn: page(conn, filters, cursor, limit, _now()))
    except BadCursor as exc:
        raise InvalidMessage(
            [{"path": "cursor", "rule": "unknown_cursor", "message": str(exc)}]
        ) from None
    return ListPage.model_validate(body)


@router.get("/v1/complaints", response_model=ListPage, responses=documented(401, 403, 422))
def list_complaints(
    request: Request,
    caller: Annotated[Caller, Depends(require("read"))],
    status: Status | None = None,
    category: Category | None = None,
    merchant_id: Annotated[Id | None, Query()] = None,
    buyer_id: Annotated[Id | None, Query()] = None,
    waiting_on: Literal["buyer", "merchant", "platform"] | None = None,
    due_before: datetime | None = None,
    escalation_level: Annotated[int | None, Query(ge=0, le=1000)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    case_id: uuid.UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> ListPage:
    """Complaints the caller may see (a buyer its own, a merchant its own; staff and API
    clients with `read` all), filtered, in the order of the running clock's due time
    (complaints without a running clock last), then id. `waiting_on` is the party whose
    clock runs: a merchant's inbox is `waiting_on=merchant`. Keyset-paginated: pass
    `next_cursor` back as `cursor`; a filter naming another party lists nothing."""
    if due_before is not None and due_before.tzinfo is None:
        raise InvalidMessage(
            [{"path": "due_before", "rule": "offset_required", "message": "RFC 3339 with offset"}]
        )
    filters = Filters(
        status=status,
        category=category,
        merchant_id=merchant_id,
        buyer_id=buyer_id,
        waiting_on=Role(waiting_on) if waiting_on else None,
        due_before=due_before,
        escalation_level=escalation_level,
        q=q,
        case_id=str(case_id) if case_id else None,
    )
    return _page(request, visible(filters, caller.role, caller.party_id), cursor, limit)


def _staff(caller: Caller) -> str:
    if caller.role != "staff" or caller.party_id is None:
        raise HTTPException(403, text("staff queues are worked by staff members signed in"))
    return caller.party_id


def _queue(name: str) -> claims.Queue:
    queue = claims.QUEUES.get(name)
    if queue is None:
        raise NotFound(text("no queue {name}", name=name))
    return queue


@router.get("/v1/queues/{queue}", response_model=ListPage, responses=documented(401, 403, 404, 422))
def list_queue(
    queue: Annotated[str, Path(pattern="^[a-z_]{1,40}$", examples=["arbitration"])],
    request: Request,
    caller: Annotated[Caller, Depends(require("read"))],
    cursor: Cursor = None,
    limit: Limit = 50,
) -> ListPage:
    """A platform queue (manual_review needs the `review` grant, arbitration `arbitrate`),
    in due order: the complaints nobody else holds under a live lease (the caller's own
    claims included, with their lease)."""
    rule = _queue(queue)
    staff = _staff(caller)
    if rule.grant not in caller.grants:
        raise HTTPException(
            403, text("the {queue} queue needs the {grant} grant", queue=queue, grant=rule.grant)
        )
    return _page(request, rule.filters(staff), cursor, limit)


def _claim_out(result: claims.ClaimResult) -> ClaimOut:
    until = result.lease_expires_at
    return ClaimOut(
        complaint_id=result.complaint_id,
        queue=result.queue,
        holder=result.holder,
        lease_expires_at=until.isoformat() if until else None,
    )


@router.post(
    "/v1/complaints/{complaint_id}/claim",
    response_model=ClaimOut,
    responses=documented(401, 403, 404, 409, 422),
)
def claim_complaint(
    complaint_id: uuid.UUID,
    request: Request,
    caller: Annotated[Caller, Depends(require("read"))],
) -> ClaimOut:
    """Take a queued complaint to work it, for the lease (renewed when its holder claims
    again); 409 while another staff member's lease runs or when it is in no queue."""
    staff = _staff(caller)
    lease = timedelta(seconds=request.app.state.settings.claim_lease_seconds)
    with unit_of_work(request.app.state.pool, policy=request.app.state.policy) as store:
        result = claims.claim(store, str(complaint_id), staff, caller.grants, lease)
    return _claim_out(result)


@router.post(
    "/v1/complaints/{complaint_id}/release",
    response_model=ClaimOut,
    responses=documented(401, 403, 404, 409, 422),
)
def release_complaint(
    complaint_id: uuid.UUID,
    request: Request,
    caller: Annotated[Caller, Depends(require("read"))],
) -> ClaimOut:
    """Give a claimed complaint back to its queue; only its holder may."""
    staff = _staff(caller)
    with unit_of_work(request.app.state.pool, policy=request.app.state.policy) as store:
        result = claims.release(store, str(complaint_id), staff)
    return _claim_out(result)


@router.get("/v1/merchants/{merchant_id}/scorecard", responses=documented(401, 403, 404, 422))
def merchant_scorecard(
    merchant_id: Id,
    request: Request,
    caller: Annotated[Caller, Depends(require("read"))],
    days: Annotated[int, Query(ge=1, le=366)] = SCORECARD_DAYS,
) -> dict[str, Any]:
    """The merchant's scorecard over the last `days` (what `complaints merchants` shows),
    for the merchant itself, staff, or API clients with `read`; to others it is 404."""
    if caller.role == "buyer" or (caller.role == "merchant" and caller.party_id != merchant_id):
        raise NotFound(text("no merchant {id}", id=merchant_id))
    since = _now() - timedelta(days=days)
    row = read(request.app.state.pool, lambda c: one_merchant_scorecard(c, merchant_id, since))
    return {**row, "since": since.isoformat()}


@router.get(
    "/v1/evidence/{complaint_id}/{index}",
    response_model=EvidenceLink,
    responses=documented(401, 403, 404, 409, 422, 503),
)
def evidence_link(
    complaint_id: uuid.UUID,
    index: Annotated[int, Path(ge=0, le=10_000)],
    request: Request,
    caller: Annotated[Caller, Depends(require("read"))],
) -> EvidenceLink:
    """A short-lived presigned GET of evidence item `index` (its position), for the
    complaint's buyer, its merchant, staff, or API clients with `read`; the download carries
    the original file name and the checked content type. Each call is recorded on the
    complaint's timeline (`evidence.viewed`). Items not checked `ok` are 409."""
    role = {"buyer": Role.BUYER, "merchant": Role.MERCHANT, "staff": Role.PLATFORM}
    viewer = Viewer(
        role=role.get(caller.role or "", Role.SYSTEM),
        actor_id=caller.party_id or caller.name,
        party_role=caller.role,
        party_id=caller.party_id,
    )
    with unit_of_work(request.app.state.pool, policy=request.app.state.policy) as store:
        item = record_view(store, str(complaint_id), index, viewer)
    state = request.app.state
    expires = state.settings.evidence_get_seconds
    try:
        link = presigned_get(state.s3, state.settings.s3_bucket, item, expires)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise NotFound(text("evidence item {index} is no longer stored", index=index)) from None
        raise Unavailable("the evidence store is unavailable") from None
    except BotoCoreError:
        raise Unavailable("the evidence store is unavailable") from None
    return EvidenceLink.model_validate(link)


__all__ = ["router"]
