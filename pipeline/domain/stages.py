"""The stage table: every job the pipeline sends itself (through the outbox) is one row.

A job is one Dramatiq actor of the same name (workers.actors generates them from this
table). Its message always carries a group of items, `{"items": [[message_id, payload],
…]}`: the relay coalesces the outbox rows of one job and queue into groups of up to the
job's group size, and a single row is a group of one (workers.coalesce). The automated
stages of a complaint (review → evidence → route → dispatch) are the jobs with a `stage`:
`Store.advance(c, event, to=Stage.X)` moves a complaint to stage X and sends the job that
runs there. Upstream producers send to `UPSTREAM_QUEUES` (intake, party actions) in their
own message forms (complaint.v1, action.v1); those actors are not in this table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pipeline.domain.status import Stage


class Job(StrEnum):
    """What one outbox message asks for; also its actor's name."""

    REVIEW = "review"
    EVIDENCE = "evidence"
    ROUTE = "route"
    DISPATCH = "dispatch"
    NOTIFY = "notify"
    CASE_DECIDE = "case_decide"
    PUBLISH_PAYMENT = "publish_payment"
    SLA_BREACH = "sla_breach"
    SLA_WARNING = "sla_warning"


#: Group size of the automated stages: the `stage_group_size` setting.
STAGE_GROUP = 0

#: Queues upstream systems send to: complaint.v1 to intake, action.v1 to actions (whose
#: workers also decide cases).
INTAKE_QUEUE, ACTIONS_QUEUE = "intake", "actions"
UPSTREAM_QUEUES = (INTAKE_QUEUE, ACTIONS_QUEUE)


@dataclass(frozen=True)
class StageRow:
    """`queue`: None for dispatch, which goes to the complaint's category queue
    (`routing.route_queue`, chosen by route). `group`: largest coalesced group
    (`STAGE_GROUP`: the setting). `stage`: the complaint's stage while this job is due;
    `next`: the stage it moves the complaint on to when it passes. `reads_store`: reads
    the evidence store, so it retries with the store's longer backoff."""

    queue: str | None
    group: int
    stage: Stage | None = None
    next: Stage | None = None
    reads_store: bool = False


#: Deadlines fire in bursts of the scheduler's batch (500): groups of 50 still feed 16
#: threads (ten per batch) and write set-based (docs/performance.md). Notify work is tiny:
#: large groups. Case decisions and payment instructions go one by one.
STAGES: dict[Job, StageRow] = {
    Job.REVIEW: StageRow("review", STAGE_GROUP, Stage.REVIEW, Stage.EVIDENCE),
    Job.EVIDENCE: StageRow("evidence", STAGE_GROUP, Stage.EVIDENCE, Stage.ROUTE, True),
    Job.ROUTE: StageRow("route", STAGE_GROUP, Stage.ROUTE, Stage.DISPATCH),
    Job.DISPATCH: StageRow(None, STAGE_GROUP, Stage.DISPATCH, Stage.PARTIES),
    Job.NOTIFY: StageRow("notify", 100),
    Job.CASE_DECIDE: StageRow(ACTIONS_QUEUE, 1),
    Job.PUBLISH_PAYMENT: StageRow("notify", 1),
    Job.SLA_BREACH: StageRow("sla", 50),
    Job.SLA_WARNING: StageRow("sla", 50),
}


#: The queue the dispatch actor is declared on; messages go to their category's queue.
DEFAULT_DISPATCH_QUEUE = "handle.other"


def job_at(stage: Stage) -> Job | None:
    """The job that runs while a complaint is at `stage` (None: people act there)."""
    return next((job for job, row in STAGES.items() if row.stage is stage), None)


def path() -> list[Stage]:
    """The automated path in order, from intake to the parties (each job's `next`)."""
    order = [Stage.INTAKE, Stage.REVIEW]
    while (job := job_at(order[-1])) is not None and (after := STAGES[job].next) is not None:
        order.append(after)
    return order


def stage_queues() -> tuple[str, ...]:
    """The fixed queues (upstream ones first), without the category queues of dispatch."""
    fixed = [row.queue for row in STAGES.values() if row.queue is not None]
    return tuple(dict.fromkeys([*UPSTREAM_QUEUES, *fixed]))


def group_sizes(stage_group_size: int) -> dict[str, int]:
    """Largest group per job (actor name). A stage group costs one broker hop, one
    transaction and a few set-based statements however many items it has, so larger groups
    cost less CPU per complaint under a backlog; smaller ones spread a burst over more
    worker threads (docs/performance.md)."""
    if stage_group_size < 1:
        raise ValueError(f"stage_group_size must be at least 1, got {stage_group_size}")
    return {str(job): row.group or stage_group_size for job, row in STAGES.items()}


#: The suffix of the group actors before every job took groups (`<job>_many`).
_OLD_GROUP_SUFFIX = "_many"


def current_form(
    actor: str, kwargs: Mapping[str, Any], message_id: str
) -> tuple[str, dict[str, Any]]:
    """A message kept from before every job took groups (a dead letter of a `<job>_many`
    actor, or of a job's single message with the payload as its arguments) as the actor
    and arguments of today's form; other messages as they are."""
    job = actor.removesuffix(_OLD_GROUP_SUFFIX)
    if job not in STAGES:
        return actor, dict(kwargs)
    if "items" in kwargs:
        return job, dict(kwargs)
    return job, {"items": [[message_id, dict(kwargs)]]}
