"""Unit of work over one PostgreSQL transaction: lock a complaint, apply a step of the
transition table, append its event, move deadlines, write notifications and outbox rows."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from psycopg import Connection, sql
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from pipeline import metrics
from pipeline.db import clocks
from pipeline.db.queries import q
from pipeline.domain import audit
from pipeline.domain.notices import RECIPIENTS, recipient_id
from pipeline.domain.sla import DEFAULT_POLICY, SlaPolicy
from pipeline.domain.status import Role, Stage, Status
from pipeline.domain.transitions import Event, next_status

Now = Callable[[], datetime]

#: Columns a step may change besides status/stage (identifiers come only from this set).
UPDATABLE = frozenset(
    {
        "rejection_reason",
        "duplicate_of",
        "flags",
        "admitted_at",
        "route_queue",
        "suspended_from",
        "outcome",
        "escalation_level",
        "remedy",
    }
)
JSON_COLUMNS = frozenset({"outcome", "remedy"})
MERCHANT_COUNTERS = ("received", "accepted", "disputed", "lost", "breaches", "penalty")


def utcnow() -> datetime:
    return datetime.now(UTC)


@functools.cache
def _update_sql(columns: tuple[str, ...]) -> str:
    """The guarded UPDATE of a step changing `columns` (names only from UPDATABLE and the
    fixed ones), composed once per set of columns."""
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in columns
    )
    return (
        sql.SQL(
            "UPDATE complaints SET {}, version = version + 1, updated_at = {}"
            " WHERE id = {} AND status = {} AND version = {} RETURNING *"
        )
        .format(
            assignments,
            sql.Placeholder("_now"),
            sql.Placeholder("_id"),
            sql.Placeholder("_from"),
            sql.Placeholder("_version"),
        )
        .as_string(None)
    )


Message = tuple[str, str, str, dict[str, Any]]  # queue, actor, complaint id, payload


def outbox_params(messages: list[Message]) -> dict[str, list[Any]]:
    """The `insert_outbox` parameters (one array per column) for these messages."""
    return {
        "queue_names": [m[0] for m in messages],
        "actor_names": [m[1] for m in messages],
        "complaint_ids": [m[2] for m in messages],
        "payloads": [Jsonb(m[3]) for m in messages],
    }


class StaleTransition(Exception):
    """The guarded UPDATE matched no row: the complaint moved on under us."""


@dataclass(frozen=True)
class Complaint:
    row: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.row["id"])

    @property
    def status(self) -> Status:
        return Status(self.row["status"])

    @property
    def stage(self) -> Stage:
        return Stage(self.row["stage"])

    def __getitem__(self, key: str) -> Any:
        return self.row[key]


class Store:
    def __init__(
        self, conn: Connection[dict[str, Any]], clock: Now, policy: SlaPolicy = DEFAULT_POLICY
    ) -> None:
        self.conn = conn
        self.clock = clock
        self.policy = policy
        self.effects: list[metrics.Effect] = []  # counted once the transaction commits
        self.merchant_counts: dict[str, dict[str, int]] = {}  # written by flush()
        self.messages: list[Message] = []  # written by flush()

    def one(self, name: str, params: dict[str, Any]) -> dict[str, Any] | None:
        return self.conn.execute(q(name), params).fetchone()

    def all(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.conn.execute(q(name), params).fetchall()

    def run(self, name: str, params: dict[str, Any]) -> None:
        self.conn.execute(q(name), params)

    def bump_merchant(self, merchant_id: str, **counts: int) -> None:
        """Add to the merchant's scorecard counters (accepted, disputed, lost, breaches,
        penalty), written when the unit of work ends (flush)."""
        totals = self.merchant_counts.setdefault(merchant_id, dict.fromkeys(MERCHANT_COUNTERS, 0))
        for name, n in counts.items():
            totals[name] += n

    def flush(self) -> None:
        """Write what the unit of work deferred: its outbox messages in one statement, and
        the scorecard counters one row per merchant in merchant order (a transaction holds
        a merchant's row lock only from here to its commit, and two transactions take
        them in the same order, so they do not deadlock)."""
        if self.messages:
            self.run("insert_outbox", outbox_params(self.messages))
            self.messages = []
        rows = [{"merchant_id": m, **self.merchant_counts[m]} for m in sorted(self.merchant_counts)]
        self.merchant_counts = {}
        self.many("bump_merchant_stats", rows)

    def many(self, name: str, rows: list[dict[str, Any]]) -> None:
        """The same statement for many rows, pipelined (one round trip, not one per row)."""
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(q(name), rows)

    def lock(self, complaint_id: str) -> Complaint | None:
        row = self.one("lock_complaint", {"id": complaint_id})
        return Complaint(row) if row else None

    def enqueue(self, actor: str, queue: str, complaint_id: str, **payload: Any) -> None:
        """A message for the outbox, written when the unit of work ends (flush)."""
        self.messages.append(
            (queue, actor, complaint_id, {"complaint_id": complaint_id, **payload})
        )

    def apply(
        self,
        c: Complaint,
        event: Event,
        *,
        role: Role = Role.SYSTEM,
        actor_id: str = "pipeline",
        stage: Stage | None = None,
        data: dict[str, Any] | None = None,
        message_id: str | None = None,
        notify: tuple[Role, ...] | None = None,
        **updates: Any,
    ) -> Complaint:
        """Apply one step; raises IllegalTransition/ForbiddenActor before writing anything."""
        suspended_from = c["suspended_from"]
        step = next_status(
            c.status, event, role, Status(suspended_from) if suspended_from else None
        )
        unknown = set(updates) - UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        now = self.clock()
        seq = c["version"] + 1
        event_row = {
            "complaint_id": c.id,
            "seq": seq,
            "event": event,
            "from_status": c.status,
            "to_status": step.target,
            "actor_role": role,
            "actor_id": actor_id,
            "data": data or {},
            "created_at": now,
        }
        chain = (c["chain_head"], audit.link(c["chain_head"], event_row))
        changes: dict[str, Any] = {"status": step.target, **updates, "chain_head": chain[1]}
        if stage is not None:
            changes["stage"] = stage
        query = _update_sql(tuple(changes))
        params = {
            **{
                k: Jsonb(v) if k in JSON_COLUMNS and v is not None else v
                for k, v in changes.items()
            },
            "_now": now,
            "_id": c.id,
            "_from": c.status,
            "_version": c["version"],
        }
        row = self.conn.execute(query, params).fetchone()
        if row is None:
            raise StaleTransition(f"complaint {c.id} changed before {event} could apply")
        # The writes that follow need no answers: one round trip for all of them.
        with self.conn.pipeline():
            self._record(
                c,
                row,
                step.target,
                event,
                seq,
                role,
                actor_id,
                data,
                message_id,
                now,
                notify,
                chain,
            )
        return Complaint(row)

    def _record(
        self,
        c: Complaint,
        row: dict[str, Any],
        target: Status,
        event: Event,
        seq: int,
        role: Role,
        actor_id: str,
        data: dict[str, Any] | None,
        message_id: str | None,
        now: datetime,
        notify: tuple[Role, ...] | None,
        chain: tuple[str | None, str],
    ) -> None:
        recipients = RECIPIENTS.get(event, ()) if notify is None else notify
        self.run(
            "record_step",
            {
                "complaint_id": c.id,
                "seq": seq,
                "event": event,
                "from_status": c.status,
                "to_status": target,
                "actor_role": role,
                "actor_id": actor_id,
                "data": Jsonb(data or {}),
                "message_id": message_id,
                "now": now,
                "prev_hash": chain[0],
                "hash": chain[1],
                "roles": [r.value for r in recipients],
                "recipients": [
                    recipient_id(r, row["buyer_id"], row["merchant_id"]) for r in recipients
                ],
                "body": Jsonb(
                    {
                        "complaint_id": c.id,
                        "event": event,
                        "status": target,
                        "title": row["title"],
                        "rejection_reason": row["rejection_reason"],
                    }
                ),
                "notify": Jsonb({"complaint_id": c.id, "event_seq": seq}),
            },
        )
        if target != c.status:
            clocks.move(self, row, c.status, target, now)
            self.effects.append(("transition", (c.status.value, target.value)))
        if event.value.startswith("sla."):
            self.effects.append(("sla", (event.value,)))


@contextmanager
def unit_of_work(
    pool: ConnectionPool[Any], clock: Now = utcnow, policy: SlaPolicy = DEFAULT_POLICY
) -> Iterator[Store]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with pool.connection() as conn:
        with conn.transaction():
            store = Store(conn, clock, policy)
            yield store
            store.flush()
    metrics.record(store.effects)
