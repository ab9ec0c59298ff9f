"""HTTP routes: parse, call a handler in a unit of work, answer (docs/contracts.md §8)."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field, ValidationError

from pipeline.adapters.evidence_store import probe_bucket
from pipeline.api.auth import any_scope, ensure_scope, require
from pipeline.api.caller import Caller
from pipeline.api.errors import documented
from pipeline.api.visibility import (
    as_caller,
    ensure_grant,
    ensure_own_prefix,
    ensure_visible,
)
from pipeline.db.pool import read
from pipeline.db.store import unit_of_work
from pipeline.domain.evidence_rules import size_limit
from pipeline.domain.status import EvidenceKind
from pipeline.handlers.actions import handle_action
from pipeline.handlers.evidence import precheck
from pipeline.handlers.evidence_access import FILENAME_META
from pipeline.handlers.intake import accept
from pipeline.views import complaint_view, timeline
from schemas.action import InvalidMessage, parse_action
from schemas.complaint import CONTENT_TYPES, ComplaintV1, Id, field_errors, parse_complaint

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


class Submitter(BaseModel):
    role: Literal["buyer", "merchant"]
    id: Id


class UploadIn(BaseModel):
    submitter: Submitter | None = Field(
        None, description="Whose prefix the key goes under; a party token's own when omitted"
    )
    filename: Annotated[str, Field(min_length=1, max_length=200)]
    kind: EvidenceKind
    content_type: str
    size: Annotated[int, Field(ge=1, strict=True)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class UploadOut(BaseModel):
    key: str
    url: str
    method: Literal["PUT"]
    headers: dict[str, str]
    expires_in: int


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


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@router.post(
    "/v1/evidence/uploads",
    response_model=UploadOut,
    responses=documented(400, 401, 403, 413, 415, 422),
)
def presign_upload(
    body: UploadIn, request: Request, caller: Annotated[Caller, Depends(any_scope)]
) -> UploadOut:
    """A SigV4 presigned PUT for a key under the submitter's own prefix, bound to the
    declared content type, size and SHA-256."""
    submitter = ensure_own_prefix(
        caller, body.submitter.model_dump() if body.submitter is not None else None
    )
    ensure_scope(caller, f"act:{submitter['role']}")
    if body.content_type not in CONTENT_TYPES[body.kind]:
        raise InvalidMessage(
            [
                {
                    "path": "content_type",
                    "rule": "content_type_not_allowed_for_kind",
                    "message": f"allowed: {sorted(CONTENT_TYPES[body.kind])}",
                }
            ]
        )
    if body.size > size_limit(body.kind):
        raise InvalidMessage(
            [
                {
                    "path": "size",
                    "rule": "too_large",
                    "message": f"limit for {body.kind.value} is {size_limit(body.kind)} bytes",
                }
            ]
        )
    name = _SAFE_NAME.sub("-", body.filename).strip(".-")[:80] or "file"
    key = f"evidence/{submitter['id']}/{uuid.uuid4().hex}-{name}"
    checksum = base64.b64encode(bytes.fromhex(body.sha256)).decode()
    # The key stays ASCII; the name as given (without folders) is kept, percent-encoded, in
    # the object's metadata for the download's Content-Disposition.
    original = quote(body.filename.replace("\\", "/").rsplit("/", 1)[-1] or name, safe="")
    settings = request.app.state.settings
    url = request.app.state.s3.generate_presigned_url(
        "put_object",
        Params={
            "Bucket": settings.s3_bucket,
            "Key": key,
            "ContentType": body.content_type,
            "ContentLength": body.size,
            "ChecksumSHA256": checksum,
            "Metadata": {FILENAME_META: original},
        },
        ExpiresIn=settings.api_presign_seconds,
    )
    headers = {
        "Content-Type": body.content_type,
        "Content-Length": str(body.size),
        "x-amz-checksum-sha256": checksum,
        f"x-amz-meta-{FILENAME_META}": original,
    }
    return UploadOut(
        key=key, url=url, method="PUT", headers=headers, expires_in=settings.api_presign_seconds
    )


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses=documented(503))
async def readyz(request: Request, response: Response) -> dict[str, Any]:
    """Ready while PostgreSQL answers (every request needs it). Redis and S3 are reported:
    without them the gateway still serves reads and accepts submissions into the outbox,
    so it is `degraded`, not unready (taking every replica out would stop that too)."""
    state = request.app.state

    def postgres() -> None:
        with state.pool.connection(timeout=2) as conn:
            conn.execute("SELECT 1")

    def s3() -> None:
        reason = probe_bucket(state.s3, state.settings.s3_bucket)
        if reason is not None:
            raise RuntimeError(reason)

    def probe() -> dict[str, str]:
        checks: dict[str, str] = {}
        for name, fn in (("postgres", postgres), ("redis", state.redis.ping), ("s3", s3)):
            try:
                fn()
                checks[name] = "ok"
            except Exception as exc:  # reported, never raised
                reason = str(exc) if isinstance(exc, RuntimeError) else type(exc).__name__
                checks[name] = f"down: {reason}"
        return checks

    checks = await run_in_threadpool(probe)
    ready = checks["postgres"] == "ok"
    degraded = sorted(k for k, v in checks.items() if k != "postgres" and v != "ok")
    response.status_code = 200 if ready else 503
    return {"ready": ready, "degraded": degraded, "checks": checks}


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        401: {"description": "Missing or wrong bearer token"},
        404: {"description": "No COMPLAINTS_METRICS_TOKEN configured: no /metrics"},
    },
)
def metrics(request: Request) -> Response:
    """This process's metrics, for Prometheus holding COMPLAINTS_METRICS_TOKEN as a bearer
    token (the pipeline-wide gauges come from `complaints exporter`). Without a configured
    token there is no /metrics: it is not for the public port."""
    import hmac

    token = request.app.state.settings.metrics_token
    given = request.headers.get("authorization", "")
    if not token:
        return Response("metrics disabled: set COMPLAINTS_METRICS_TOKEN\n", status_code=404)
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response(
            "bearer token required\n", status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
