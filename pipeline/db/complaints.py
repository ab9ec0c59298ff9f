"""The complaint rows' statements (table `complaints`): intake in one statement per batch,
locking a group, what review and the evidence check read, claims, parties and the work
lists. A step's own writes go through the unit of work (pipeline.db.store)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, cast, overload

from psycopg import Connection
from psycopg.types.json import Jsonb

from pipeline.db.gateway import Db, Row, every, execute, one, run
from pipeline.db.queries import q
from pipeline.domain.status import Category, Stage, Status

T = TypeVar("T")


class Column(Generic[T]):
    """A typed, read-only field of a row kept as a dict (`row`), converted when read (a
    step's row is built as a dict; typing it field by field on every step would cost more
    than the handlers' reads of it)."""

    def __init__(self, convert: Callable[[Any], T] | None = None) -> None:
        self.convert = convert
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> Column[T]: ...
    @overload
    def __get__(self, obj: Complaint, owner: type) -> T: ...
    def __get__(self, obj: Complaint | None, owner: type) -> Column[T] | T:
        if obj is None:
            return self
        value = obj.row[self.name]
        if self.convert is None or value is None:
            return cast(T, value)
        return self.convert(value)


@dataclass(frozen=True, slots=True)
class Complaint:
    """A complaint row, typed (table `complaints`). `row` is the row as the database holds
    it (or will, once the unit of work writes it): the unit of work builds a step's row
    from it (pipeline.db.store); callers read the typed fields."""

    row: dict[str, Any]

    id = Column(str)
    status = Column(Status)
    stage = Column(Stage)
    category = Column(Category)
    version = Column[int]()
    source = Column[str]()
    external_id = Column[str]()
    buyer_id = Column[str]()
    merchant_id = Column[str]()
    order_id = Column[str]()
    item_id = Column[str | None]()
    sku = Column[str | None]()
    order_amount_cents = Column[int]()
    claimed_amount_cents = Column[int]()
    currency = Column[str]()
    paid_at = Column[datetime | None]()
    delivered_at = Column[datetime | None]()
    submitted_at = Column[datetime]()
    title = Column[str]()
    description = Column[str]()
    requested_remedy = Column[str]()
    escalation_level = Column[int]()
    rejection_reason = Column[str | None]()
    duplicate_of = Column[str | None](str)
    parent_id = Column[str | None](str)
    route_queue = Column[str | None]()
    flags = Column[list[str]]()
    admitted_at = Column[datetime | None]()
    suspended_from = Column[Status | None](Status)
    outcome = Column[dict[str, Any] | None]()
    remedy = Column[dict[str, Any] | None]()
    chain_head = Column[str | None]()
    waiting_on = Column[str | None](str)
    due_at = Column[datetime | None]()
    claimed_by = Column[str | None]()
    claim_expires_at = Column[datetime | None]()
    case_id = Column[str | None](str)
    created_at = Column[datetime]()
    updated_at = Column[datetime]()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Complaint:
        return cls(row)


def lock(db: Db, complaint_ids: list[str]) -> list[Row]:
    """The complaints, locked until commit, in id order (every group locks in that order)."""
    return every(db, "lock_complaints", {"ids": complaint_ids})


def get(db: Db, complaint_id: str) -> Complaint | None:
    row = one(db, "get_complaint", {"id": complaint_id})
    return Complaint.from_row(row) if row is not None else None


def parties(conn: Connection[Any], complaint_id: str) -> tuple[str, str] | None:
    """(buyer, merchant) of the complaint; None when there is no such complaint."""
    row = one(conn, "complaint_parties", {"id": complaint_id})
    return (row["buyer_id"], row["merchant_id"]) if row else None


def existing_ids(db: Db, complaint_ids: list[str]) -> set[str]:
    return {str(r["id"]) for r in every(db, "existing_ids", {"ids": complaint_ids})}


def accept(db: Db, batch: Mapping[str, Any]) -> set[str]:
    """Insert a batch's complaints with their children (`accept_complaints`: a JSON array
    of rows per table); answers the ids inserted (a key already taken inserts nothing)."""
    return {str(r["id"]) for r in every(db, "accept_complaints", batch)}


def find_existing(db: Db, source: str, external_id: str, idempotency_key: str | None) -> Row:
    """The complaint holding this (source, external id) or Idempotency-Key."""
    params = {"source": source, "external_id": external_id, "idempotency_key": idempotency_key}
    row = one(db, "find_existing", params)
    assert row is not None  # the caller's insert met it
    return row


def quarantine(
    db: Db,
    *,
    received_via: str,
    source: str | None,
    external_id: str | None,
    raw: str,
    errors: list[dict[str, Any]],
    line_no: int | None,
    message_id: str | None,
) -> int | None:
    """Keep what could not be accepted; answers its id, None when kept already."""
    params = {
        "received_via": received_via,
        "source": source,
        "external_id": external_id,
        "raw": raw,
        "errors": Jsonb(errors),
        "line_no": line_no,
        "message_id": message_id,
    }
    row = one(db, "insert_quarantine", params)
    return int(row["id"]) if row else None


def claim_of(db: Db, complaint_id: str) -> Row | None:
    """claimed_by and claim_expires_at of the complaint."""
    return one(db, "claim_of", {"id": complaint_id})


def lock_review_keys(db: Db, complaint_ids: list[str]) -> None:
    """Serialise reviews of the same buyer, order and category (advisory locks)."""
    run(db, "lock_review_keys", {"ids": complaint_ids})


def review_contexts(db: Db, complaint_ids: list[str]) -> dict[str, Row]:
    """What review reads about each complaint, by id."""
    return {str(r["id"]): r for r in every(db, "review_contexts", {"ids": complaint_ids})}


def evidence_snapshots(db: Db, complaint_ids: list[str]) -> dict[str, Row]:
    """Status, stage, version and evidence items (JSON) of each complaint, by id."""
    return {str(r["id"]): r for r in every(db, "evidence_snapshots", {"ids": complaint_ids})}


def work_list(conn: Connection[Any], params: Mapping[str, Any]) -> list[Row]:
    """A page of a work list (pipeline.worklist.query_params)."""
    # Never a prepared statement: a generic plan cannot drop the filters not given,
    # a custom plan folds them away and keeps to one index range.
    return execute(conn, "work_list", params, prepare=False).fetchall()


def work_list_plan(conn: Connection[Any], params: Mapping[str, Any]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a work-list page (the list benchmark shows it)."""
    sql = "EXPLAIN (ANALYZE, BUFFERS) " + q("work_list")
    rows = conn.execute(sql, params, prepare=False).fetchall()
    return "\n".join(next(iter(r.values())) if isinstance(r, dict) else r[0] for r in rows)
