"""Unit of work over one PostgreSQL transaction: lock a complaint, apply a step of the
transition table, append its event, move deadlines, write notifications and outbox rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from psycopg import Connection
from psycopg_pool import ConnectionPool

from pipeline import metrics
from pipeline.db import clocks, complaints, merchants, outbox
from pipeline.db.complaints import Complaint as Complaint
from pipeline.db.outbox import Message as Message
from pipeline.db.outbox import outbox_params as outbox_params
from pipeline.db.pending import UPDATABLE, PendingWrites
from pipeline.db.step_rows import Step, chained_event, message, notification_rows
from pipeline.domain.notices import RECIPIENTS
from pipeline.domain.sla import DEFAULT_POLICY, SlaPolicy
from pipeline.domain.stages import Job, job_at
from pipeline.domain.status import Role, Stage, Status
from pipeline.domain.transitions import Event, next_status

Now = Callable[[], datetime]

MERCHANT_COUNTERS = ("received", "accepted", "disputed", "lost", "breaches", "penalty")


def utcnow() -> datetime:
    return datetime.now(UTC)


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
        self.pending = PendingWrites()  # steps' writes, before the next read or at flush()
        self.locked: dict[str, dict[str, Any]] = {}  # rows this transaction locked, current
        self._supervised: frozenset[str] | None = None  # merchants under supervision
        self._asked: set[str] = set()

    def supervised(self, merchant_id: str) -> bool:
        """Whether the merchant is under supervision: read once per unit of work, for the
        merchants of every complaint it locked (governance, pipeline.handlers.governance)."""
        if self._supervised is None or merchant_id not in self._asked:
            self._asked = {merchant_id, *(r["merchant_id"] for r in self.locked.values())}
            # Pending writes never touch supervision: read without writing them first, so
            # a group's steps still write together (pipeline.db.pending).
            self._supervised = merchants.supervised(self.conn, sorted(self._asked))
        return merchant_id in self._supervised

    def now_supervised(self, merchant_id: str) -> None:
        self._supervised = (self._supervised or frozenset()) | {merchant_id}
        self._asked.add(merchant_id)

    def connection(self) -> Connection[dict[str, Any]]:
        """The transaction's connection, with the steps' deferred writes written: what the
        gateway modules (pipeline.db.gateway) run a statement on, so it sees every step."""
        self._write_pending()
        return self.conn

    def _write_pending(self) -> None:
        if self.pending:
            self.pending.write(self.conn)

    def bump_merchant(self, merchant_id: str, **counts: int) -> None:
        """Add to the merchant's scorecard counters (accepted, disputed, lost, breaches,
        penalty), written when the unit of work ends (flush)."""
        totals = self.merchant_counts.setdefault(merchant_id, dict.fromkeys(MERCHANT_COUNTERS, 0))
        for name, n in counts.items():
            totals[name] += n

    def flush(self) -> None:
        """Write what the unit of work deferred: the steps' writes, its outbox messages in
        one statement, and the scorecard counters in one, a row per merchant in merchant
        order (a transaction holds a merchant's row lock only from here to its commit, and
        two transactions take them in the same order, so they do not deadlock)."""
        self._write_pending()
        if self.messages:
            outbox.insert(self, self.messages)
            self.messages = []
        if self.merchant_counts:
            counts = self.merchant_counts
            self.merchant_counts = {}
            merchants.bump_stats(self, counts, MERCHANT_COUNTERS)

    def lock(self, complaint_id: str) -> Complaint | None:
        """The complaint, locked until commit; a row this transaction already locked comes
        from memory, with its steps applied."""
        self.lock_many([complaint_id])
        row = self.locked.get(str(complaint_id))
        return Complaint.from_row(row) if row is not None else None

    def lock_many(self, complaint_ids: list[str]) -> None:
        """Lock a group's complaints in one statement, in id order, for `lock` to serve
        (rows this transaction already holds are not read again)."""
        wanted = sorted({str(cid) for cid in complaint_ids} - self.locked.keys())
        if wanted:
            for row in complaints.lock(self, wanted):
                self.locked[str(row["id"])] = row

    def defer_clock(self, params: dict[str, Any]) -> None:
        """Close the complaint's running clock and open this one (`replace_open_deadlines`),
        with the steps' other writes."""
        self.pending.clocks.append(params)

    def enqueue(self, job: Job, c: Complaint | str, **payload: Any) -> None:
        """A message for the outbox, to the job's queue in the stage table (dispatch: the
        complaint's category queue), written when the unit of work ends (flush)."""
        self.messages.append(message(job, c, **payload))

    def advance(self, c: Complaint, event: Event, *, to: Stage, **step: Any) -> Complaint:
        """Apply `event`, moving the complaint to stage `to`, and send the job that runs
        there (pipeline.domain.stages), if any."""
        after = self.apply(c, event, stage=to, **step)
        job = job_at(to)
        if job is not None:
            self.enqueue(job, after)
        return after

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
        clock_party: Role | None = None,
        **updates: Any,
    ) -> Complaint:
        """Apply one step to a complaint this transaction locked; raises
        IllegalTransition/ForbiddenActor before changing anything. Its writes are deferred
        (pipeline.db.pending); the returned row is what the database will hold."""
        step = self.step(
            c,
            event,
            role=role,
            actor_id=actor_id,
            stage=stage,
            data=data,
            message_id=message_id,
            notify=notify,
            **updates,
        )
        row = step.row
        if row["status"] != c.status:
            # The row carries its running clock (lists sort on it): known once it moved.
            now = row["updated_at"]
            row.update(clocks.move(self, row, c.status, row["status"], now, clock_party))
            self.effects.append(("transition", (c.status.value, row["status"].value)))
        self.pending.update(c.row, row)
        self.locked[c.id] = row
        self.pending.events.append(step.event)
        self.pending.notifications.extend(step.notifications)
        self.messages.extend(step.messages)
        if event.value.startswith("sla."):
            self.effects.append(("sla", (event.value,)))
        return Complaint.from_row(row)

    def step(
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
        at: datetime | None = None,
        **updates: Any,
    ) -> Step:
        """The rows of one step of the transition table, written nowhere: `apply` defers
        them, intake inserts a new complaint's first step with its row (its clock, which
        reads and writes the ledger, is `apply`'s or intake's to move). `at`: the step's
        time, when not now (intake's batch shares one reading)."""
        step = next_status(c.status, event, role, c.suspended_from)
        unknown = set(updates) - UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        now = self.clock() if at is None else at
        event_row = chained_event(c, event, step.target, role, actor_id, data or {}, now)
        event_row["message_id"] = message_id
        row = {**c.row, "status": step.target, **updates, "chain_head": event_row["hash"]}
        row.update(version=event_row["seq"], updated_at=now)
        if stage is not None:
            row["stage"] = stage
        if step.target is not Status.SUSPENDED:
            row["suspended_from"] = None  # leaving a suspension any way (resume, withdraw, ...)
        if (row["status"], row["stage"]) != (c.status, c.stage) and "claimed_by" not in updates:
            row.update(claimed_by=None, claim_expires_at=None)  # it left the staff queue
        recipients = RECIPIENTS.get(event, ()) if notify is None else notify
        notes = notification_rows(row, event, event_row["seq"], recipients)
        notified = [message(Job.NOTIFY, c.id, event_seq=event_row["seq"])] if notes else []
        return Step(row, event_row, notes, notified)

    def note(
        self, c: Complaint, event: str, *, role: Role, actor_id: str, data: dict[str, Any]
    ) -> Complaint:
        """Append an event that moves nothing (e.g. a party viewed an evidence item), in
        any status, on the complaint's hash chain like every step's event."""
        event_row = chained_event(c, event, c.status, role, actor_id, data, self.clock())
        event_row["message_id"] = None
        row = {**c.row, "chain_head": event_row["hash"], "version": event_row["seq"]}
        self.pending.update(c.row, row)
        self.locked[c.id] = row
        self.pending.events.append(event_row)
        return Complaint.from_row(row)


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
