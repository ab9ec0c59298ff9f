"""Who may see and act on a complaint as a person: its buyer, its merchant, and staff.

A buyer or merchant asking for another party's complaint is told it does not exist (404),
so complaint ids cannot be probed. API clients and staff see every complaint their scopes
allow. The body's actor must be the signed-in person."""

from __future__ import annotations

from typing import Any

from psycopg import Connection

from pipeline.api.caller import Caller
from pipeline.db import complaints
from pipeline.domain.actions import ACTION_GRANTS
from pipeline.domain.errors import ActionRefused, NotFound
from pipeline.domain.text import text
from pipeline.worklist import sees
from schemas.action import InvalidMessage

#: The action.v1 actor role a person acts as.
ACTOR_ROLES = {"buyer": "buyer", "merchant": "merchant", "staff": "platform"}


def ensure_visible(conn: Connection[Any], caller: Caller, complaint_id: str) -> None:
    """NotFound unless the caller may see the complaint (cheap for non-party callers)."""
    if not caller.is_party:
        return
    found = complaints.parties(conn, complaint_id)
    if found is None or not sees(caller.role, caller.party_id, *found):
        raise NotFound(text("no complaint {id}", id=complaint_id))


def as_caller(caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """The body with the signed-in person as its actor: filled in when absent, refused when it
    names someone else. API clients name the actor themselves."""
    if caller.role is None:
        return body
    me = {"role": ACTOR_ROLES[caller.role], "id": caller.party_id}
    named = body.get("actor")
    if named is None:
        return {**body, "actor": me}
    if named != me:
        raise ActionRefused("actor_not_caller", text("the actor must be the signed-in person"))
    return body


def ensure_grant(caller: Caller, action: str) -> None:
    """Staff take the platform actions their grants allow."""
    needed = ACTION_GRANTS.get(action)
    if caller.role == "staff" and needed is not None and needed not in caller.grants:
        raise ActionRefused(
            "grant_required", text("{action} needs the {grant} grant", action=action, grant=needed)
        )


def ensure_own_prefix(caller: Caller, submitter: dict[str, Any] | None) -> dict[str, Any]:
    """An upload's submitter: the signed-in buyer or merchant (uploads go under their own
    prefix); API clients name one."""
    if caller.role is None:
        if submitter is None:
            message = "an API client names whose prefix the upload goes under"
            raise InvalidMessage([{"path": "submitter", "rule": "missing", "message": message}])
        return submitter
    me = {"role": caller.role, "id": caller.party_id}
    if caller.role not in ("buyer", "merchant") or (submitter is not None and submitter != me):
        raise ActionRefused(
            "actor_not_caller", text("uploads go under the signed-in party's prefix")
        )
    return me
