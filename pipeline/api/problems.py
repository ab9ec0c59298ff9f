"""RFC 9457 problem details: the one shape of every error the gateway answers.

`type` is `/problems/<code>`, where the code is language-neutral; `title` is the code's fixed
human text in the caller's language (Accept-Language: zh-CN or en); `detail` says what was
wrong with this request. Extensions: `errors` (path, rule, message per field), `allowed`
(party actions allowed now, by role), `request_id`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from pipeline.domain.text import Text, text
from pipeline.i18n import render, translate

MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    path: str
    rule: str
    message: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str = ""
    request_id: str | None = None
    errors: list[FieldError] | None = None
    allowed: dict[str, list[str]] | None = None


#: code -> title (English; pipeline/i18n translates). A code not listed takes its status's.
TITLES: dict[str, str] = {
    "malformed_json": "The body is not valid JSON",
    "invalid": "Some fields are invalid",
    "unauthorized": "Authentication required",
    "forbidden": "Not permitted",
    "not_found": "Not found",
    "not_your_complaint": "Not a party to this complaint",
    "actor_not_caller": "You may act only as yourself",
    "grant_required": "Your role does not allow this action",
    "four_eyes": "A second staff member must approve this",
    "appeal_needs_other_staff": "An appeal is decided by other staff",
    "no_pending_decision": "No decision waits for approval",
    "method_not_allowed": "Method not allowed",
    "conflict": "Conflicts with an earlier request",
    "idempotency_key_reused": "Idempotency key already used for another request",
    "not_allowed_now": "Not allowed in the complaint's current state",
    "appeal_already_used": "The complaint was appealed already",
    "appeal_window_closed": "The appeal window has closed",
    "amount_exceeds_order": "The amount exceeds the order amount",
    "followup_mismatch": "A follow-up must concern the same order",
    "claimed_by_another": "Another staff member is working this complaint",
    "not_in_queue": "The complaint is in no staff queue",
    "not_holder": "You do not hold a claim on this complaint",
    "evidence_not_viewable": "This evidence item cannot be served",
    "extension_already_used": "More time was asked for already",
    "extension_too_long": "That is more time than may be asked for",
    "no_decision_to_appeal": "There is no decision to appeal",
    "no_pending_extension": "No request for more time waits for an answer",
    "no_pending_refund": "No refund waits for an answer",
    "not_asked": "You were not asked for this information",
    "not_supervised": "The merchant is not under supervision",
    "offer_rounds_exhausted": "No more offers may be made",
    "unknown_instruction": "No such refund instruction",
    "too_large": "Request body too large",
    "unsupported_media_type": "The body must be JSON",
    "overloaded": "Too many complaints waiting; retry later",
    "unavailable": "A dependency is unavailable; retry later",
    "internal": "Internal error",
}
STATUS_CODES: dict[int, str] = {
    400: "malformed_json",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "overloaded",
    500: "internal",
    503: "unavailable",
}


@dataclass(frozen=True)
class ProblemReply:
    status: int
    code: str
    detail: str | Text = ""
    errors: list[dict[str, Any]] | None = None
    allowed: dict[str, list[str]] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self, lang: str = "en", request_id: str | None = None) -> dict[str, Any]:
        title = TITLES.get(self.code) or TITLES[STATUS_CODES.get(self.status, "internal")]
        out: dict[str, Any] = {
            "type": f"/problems/{self.code}",
            "title": translate(title, lang),
            "status": self.status,
            "detail": render(self.detail, lang),
        }
        if request_id:
            out["request_id"] = request_id
        if self.errors is not None:
            out["errors"] = self.errors
        if self.allowed is not None:
            out["allowed"] = self.allowed
        return out


def problem(
    status: int, detail: str | Text = "", code: str | None = None, **extra: Any
) -> ProblemReply:
    return ProblemReply(status, code or STATUS_CODES.get(status, "internal"), detail, **extra)


def invalid_fields(errors: list[dict[str, Any]]) -> ProblemReply:
    """400 when the body is not JSON at all, else 422 naming every field and rule."""
    if any(e["rule"] == "json_invalid" for e in errors):
        return problem(400, text("the body is not valid JSON"))
    named = ", ".join(f"{e['path']} ({e['rule']})" for e in errors[:5])
    more = f" and {len(errors) - 5} more" if len(errors) > 5 else ""
    summary = text("{count} invalid: {fields}", count=len(errors), fields=named + more)
    return problem(422, summary, errors=errors)


def as_problem_documents(openapi: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with every error response as `application/problem+json` of the
    Problem schema (FastAPI documents them as application/json, and adds its own 422)."""
    ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in openapi.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = {MEDIA_TYPE: {"schema": ref}}
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return openapi
