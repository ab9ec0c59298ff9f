"""Complaint categories as one table: a frozen row (`CategoryPolicy`) per category holds all
the pipeline decides by category. The `Category` enum is built from the rows, and so are
routing, review windows, evidence requirements, remedy checks, per-category SLA windows,
case thresholds, the console's category names and the deployment's queue lists.

Adding a category is a row here plus an `ALTER TYPE complaint_category ADD VALUE` migration
(docs/architecture.md, "Adding a category"). Without a release, COMPLAINTS_CATEGORIES_FILE
names a JSON list of rows that replace rows of the same name or are appended; it is read at
import, so every process of a deployment must be given the same file."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from schemas.vocabulary import EvidenceKind

Anchor = Literal["delivered", "paid"]
Hours = Annotated[float, Field(gt=0)]
ENV = "COMPLAINTS_CATEGORIES_FILE"


class CategoryPolicy(BaseModel):
    """One category. `urgency`: lower is more urgent (its queue is listed and scaled first);
    `worker_group`: the deployment's worker pool that consumes its queue."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
    name_zh: Annotated[str, Field(min_length=1, max_length=40)]
    name_en: Annotated[str, Field(min_length=1, max_length=60)]
    #: Days to complain after the anchor; a delivery-anchored window of an order never
    #: delivered runs from payment.
    window_days: Annotated[int, Field(ge=1, le=3650)]
    window_anchor: Anchor
    #: At least one ok item of a kind in each group.
    evidence: tuple[frozenset[EvidenceKind], ...] = ()
    #: Named checks of a merchant's offer (pipeline.domain.remedy_rules), in order.
    remedy_rules: tuple[str, ...] = ()
    #: Every complaint goes to manual review under this flag.
    review_flag: str | None = None
    #: SLA windows (hours) that differ from the status default, by status.
    sla_hours: dict[str, Hours] = {}
    queue: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.]{0,80}$")] = ""
    urgency: Annotated[int, Field(ge=0, le=9)] = 2
    worker_group: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,30}$")] = "handle"
    #: Complaints about one product within the window that open a case; None: no cases.
    case_threshold: Annotated[int, Field(ge=2)] | None = None
    case_window_days: Annotated[int, Field(ge=1, le=365)] = 7

    @model_validator(mode="before")
    @classmethod
    def _own_queue(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("queue") and "name" in data:
            return {**data, "queue": f"handle.{data['name']}"}
        return data


_PHOTO_OR_VIDEO = frozenset({EvidenceKind.PHOTO, EvidenceKind.VIDEO})
_QUALITY_RULES = ("quality_defect_full_remedy", "quality_partial_refund_needs_buyer")

#: The built-in rows, in the order of the Postgres ENUM (new values are appended).
DEFAULT_ROWS: tuple[CategoryPolicy, ...] = tuple(
    CategoryPolicy.model_validate(row)
    for row in (
        {"name": "product_quality", "name_zh": "商品质量", "name_en": "Product quality",
         "window_days": 15, "window_anchor": "delivered", "evidence": [_PHOTO_OR_VIDEO],
         "remedy_rules": _QUALITY_RULES, "urgency": 1, "case_threshold": 5},
        {"name": "not_as_described", "name_zh": "描述不符", "name_en": "Not as described",
         "window_days": 15, "window_anchor": "delivered", "evidence": [_PHOTO_OR_VIDEO],
         "remedy_rules": _QUALITY_RULES, "urgency": 1, "case_threshold": 5},
        {"name": "counterfeit", "name_zh": "假冒商品", "name_en": "Counterfeit",
         "window_days": 90, "window_anchor": "delivered",
         "evidence": [{EvidenceKind.PHOTO},
                      {EvidenceKind.INSPECTION_REPORT, EvidenceKind.TRANSACTION_RECORD}],
         "remedy_rules": ["counterfeit_refund_plus_compensation"],
         "review_flag": "counterfeit_claim", "sla_hours": {"awaiting_merchant": 48},
         "urgency": 0, "worker_group": "urgent", "case_threshold": 3, "case_window_days": 30},
        {"name": "service", "name_zh": "服务问题", "name_en": "Service",
         "window_days": 30, "window_anchor": "paid",
         "evidence": [{EvidenceKind.CHAT_LOG, EvidenceKind.SERVICE_RECORD}],
         "urgency": 2, "case_threshold": 10},
        {"name": "logistics", "name_zh": "物流问题", "name_en": "Logistics",
         "window_days": 30, "window_anchor": "paid",
         "evidence": [{EvidenceKind.TRANSACTION_RECORD, EvidenceKind.PHOTO}],
         "urgency": 2, "case_threshold": 10, "case_window_days": 3},
        {"name": "transaction", "name_zh": "交易行为", "name_en": "Transaction",
         "window_days": 30, "window_anchor": "paid",
         "evidence": [{EvidenceKind.CHAT_LOG, EvidenceKind.TRANSACTION_RECORD}],
         "urgency": 1, "case_threshold": 5},
        {"name": "other", "name_zh": "其他", "name_en": "Other",
         "window_days": 15, "window_anchor": "delivered", "urgency": 3},
    )
)  # fmt: skip


def load(path: str = "") -> tuple[CategoryPolicy, ...]:
    """The built-in rows, with the rows of the JSON file at `path` (if any) replacing those
    of the same name in place and the others appended."""
    merged = {row.name: row for row in DEFAULT_ROWS}
    if path:
        try:
            rows = TypeAdapter(list[CategoryPolicy]).validate_json(Path(path).read_bytes())
        except (OSError, ValidationError) as exc:
            raise ValueError(f"{ENV}={path}: {exc}") from None
        merged.update((row.name, row) for row in rows)
    return tuple(merged.values())


CATEGORIES: tuple[CategoryPolicy, ...] = load(os.environ.get(ENV, ""))
POLICIES: dict[str, CategoryPolicy] = {row.name: row for row in CATEGORIES}

if TYPE_CHECKING:

    class Category(StrEnum):
        """A category's code. The members are the table's rows, so code names none of
        them: it asks the category's row (`POLICIES[category]`)."""

else:
    Category = StrEnum(
        "Category", [(row.name.upper(), row.name) for row in CATEGORIES], module=__name__
    )
