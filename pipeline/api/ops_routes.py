"""HTTP routes for operators (staff with the `operate` grant): the status snapshot that
`complaints status --json` prints, and the dead letters that `complaints dlq` lists and
replays. One implementation each (pipeline/ops/status.py, pipeline/ops/dlq.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from pipeline.api.auth import require
from pipeline.api.caller import Caller
from pipeline.api.errors import documented
from pipeline.domain.errors import NotFound
from pipeline.domain.text import text
from pipeline.ops import dlq
from pipeline.ops.status import snapshot

router = APIRouter()
#: Dead letters listed per page (newest last, as `complaints dlq list`).
DEAD_LETTERS_MAX = 500


class Replayed(BaseModel):
    id: int
    replayed: int


async def operator(caller: Annotated[Caller, Depends(require("read"))]) -> Caller:
    """Operators are staff with the `operate` grant (API clients have no grants)."""
    if "operate" not in caller.grants:
        raise HTTPException(403, text("operators need the staff grant {grant}", grant="operate"))
    return caller


Operator = Annotated[Caller, Depends(operator)]


@router.get("/v1/ops/status", responses=documented(401, 403))
def ops_status(request: Request, _: Operator) -> dict[str, Any]:
    """The operators' snapshot (`complaints status --json`): per queue its depth, delayed and
    dead messages and the oldest message's age; outbox backlog; complaints by status;
    deadlines warned (SLA at risk) and breached in the last hour; dead letters not yet
    replayed; evidence-store errors; live workers."""
    state = request.app.state
    return snapshot(state.pool, state.redis, state.settings.redis_heartbeat_timeout_ms)


@router.get("/v1/ops/dead-letters", responses=documented(401, 403, 422))
def ops_dead_letters(
    request: Request,
    _: Operator,
    pending: bool = False,
    limit: Annotated[int, Query(ge=1, le=DEAD_LETTERS_MAX)] = 100,
) -> dict[str, Any]:
    """Dead letters copied to PostgreSQL: id, actor, queue, error, failures, when replayed."""
    rows = dlq.list_letters(request.app.state.pool, pending=pending, limit=limit)
    return {"items": [_letter(r) for r in rows]}


@router.post(
    "/v1/ops/dead-letters/{letter_id}/replay",
    response_model=Replayed,
    responses=documented(401, 403, 404, 409, 422),
)
async def ops_replay(
    letter_id: Annotated[int, Path(ge=1)], request: Request, _: Operator
) -> Replayed:
    """Re-enqueue one dead letter with its original message id (once: a letter already
    replayed answers 409)."""
    state = request.app.state

    def run() -> int:
        if dlq.show(state.pool, letter_id) is None:
            raise NotFound(text("no dead letter {id}", id=letter_id))
        return dlq.replay(state.pool, _broker(request), letter_id=letter_id)

    count = await run_in_threadpool(run)
    if count == 0:
        raise HTTPException(409, text("dead letter {id} was already replayed", id=letter_id))
    return Replayed(id=letter_id, replayed=count)


def _broker(request: Request) -> Any:
    """The broker replays go through, built on first use (the gateway sends nothing else)."""
    state = request.app.state
    if getattr(state, "ops_broker", None) is None:
        from workers.broker import build_broker

        state.ops_broker = build_broker(state.settings)
    return state.ops_broker


def _letter(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in row.items()
        if k != "payload"
    }
