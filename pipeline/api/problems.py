"""RFC 9457 problem details: the one shape of every error the gateway answers.

`type` is `/problems/<code>`, where the code is language-neutral; `title` is the code's fixed
human text in the caller's language (Accept-Language: zh-CN or en); `detail` says what was
wrong with this request. Extensions: `errors` (path, rule, message per field), `allowed`
(party actions allowed now, by role), `request_id`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

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


#: code -> (English title, Chinese title). A code not listed takes its status's title.
TITLES: dict[str, tuple[str, str]] = {
    "malformed_json": ("The body is not valid JSON", "请求体不是有效的 JSON"),
    "invalid": ("Some fields are invalid", "部分字段无效"),
    "unauthorized": ("Authentication required", "需要身份认证"),
    "forbidden": ("Not permitted", "无权执行此操作"),
    "not_found": ("Not found", "未找到"),
    "not_your_complaint": ("Not a party to this complaint", "您不是该投诉的当事方"),
    "method_not_allowed": ("Method not allowed", "不支持该请求方法"),
    "conflict": ("Conflicts with an earlier request", "与先前的请求冲突"),
    "idempotency_key_reused": (
        "Idempotency key already used for another request",
        "幂等键已用于另一请求",
    ),
    "not_allowed_now": ("Not allowed in the complaint's current state", "投诉当前状态不允许此操作"),
    "appeal_already_used": ("The complaint was appealed already", "该投诉已申诉过"),
    "appeal_window_closed": ("The appeal window has closed", "申诉期限已过"),
    "amount_exceeds_order": ("The amount exceeds the order amount", "金额超过订单金额"),
    "followup_mismatch": ("A follow-up must concern the same order", "追加投诉必须针对同一订单"),
    "claimed_by_another": (
        "Another staff member is working this complaint",
        "其他小二正在处理该投诉",
    ),
    "not_in_queue": ("The complaint is in no staff queue", "该投诉不在任何处理队列中"),
    "not_holder": ("You do not hold a claim on this complaint", "您未认领该投诉"),
    "grant_missing": ("Your staff grants do not cover this", "您的权限不包括此操作"),
    "evidence_not_viewable": ("This evidence item cannot be served", "该证据项无法提供查看"),
    "too_large": ("Request body too large", "请求体过大"),
    "unsupported_media_type": ("The body must be JSON", "请求体必须为 JSON"),
    "overloaded": ("Too many complaints waiting; retry later", "待处理投诉过多，请稍后重试"),
    "unavailable": ("A dependency is unavailable; retry later", "依赖服务暂不可用，请稍后重试"),
    "internal": ("Internal error", "内部错误"),
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


def language(accept_language: str | None) -> str:
    """`zh` when the caller's first language we have is Chinese, else `en`."""
    ranked = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, i, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en") or tag == "*":
            return "en"
    return "en"


@dataclass(frozen=True)
class ProblemReply:
    status: int
    code: str
    detail: str = ""
    errors: list[dict[str, Any]] | None = None
    allowed: dict[str, list[str]] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self, lang: str = "en", request_id: str | None = None) -> dict[str, Any]:
        en, zh = TITLES.get(self.code) or TITLES[STATUS_CODES.get(self.status, "internal")]
        out: dict[str, Any] = {
            "type": f"/problems/{self.code}",
            "title": zh if lang == "zh" else en,
            "status": self.status,
            "detail": self.detail,
        }
        if request_id:
            out["request_id"] = request_id
        if self.errors is not None:
            out["errors"] = self.errors
        if self.allowed is not None:
            out["allowed"] = self.allowed
        return out


def problem(status: int, detail: str = "", code: str | None = None, **extra: Any) -> ProblemReply:
    return ProblemReply(status, code or STATUS_CODES.get(status, "internal"), detail, **extra)


def invalid_fields(errors: list[dict[str, Any]]) -> ProblemReply:
    """400 when the body is not JSON at all, else 422 naming every field and rule."""
    if any(e["rule"] == "json_invalid" for e in errors):
        return problem(400, "the body is not valid JSON")
    named = ", ".join(f"{e['path']} ({e['rule']})" for e in errors[:5])
    more = f" and {len(errors) - 5} more" if len(errors) > 5 else ""
    return problem(422, f"{len(errors)} invalid: {named}{more}", errors=errors)


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
