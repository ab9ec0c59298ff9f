"""The stage table (pipeline.domain.stages): the automated chain, queues and group sizes."""

from __future__ import annotations

from pipeline.domain.routing import ROUTES, all_queues
from pipeline.domain.stages import STAGES, UPSTREAM_QUEUES, Job, group_sizes, job_at, path
from pipeline.domain.status import Stage


def test_the_automated_stages_chain_from_review_to_the_parties() -> None:
    chain, stage = [], Stage.REVIEW
    while (job := job_at(stage)) is not None:
        chain.append(job)
        nxt = STAGES[job].next
        assert nxt is not None
        stage = nxt
    assert chain == [Job.REVIEW, Job.EVIDENCE, Job.ROUTE, Job.DISPATCH]
    assert stage is Stage.PARTIES
    assert job_at(Stage.MANUAL_REVIEW) is None and job_at(Stage.INTAKE) is None


def test_every_queue_of_the_table_is_known_and_dispatch_goes_by_category() -> None:
    queues = {row.queue for row in STAGES.values()}
    assert None in queues  # dispatch: the category's queue
    assert queues - {None} <= set(all_queues())
    assert set(UPSTREAM_QUEUES) <= set(all_queues())
    assert {q for q, _ in ROUTES.values()} <= set(all_queues())
    assert [job for job, row in STAGES.items() if row.queue is None] == [Job.DISPATCH]


def test_only_the_evidence_check_reads_the_store() -> None:
    assert [job for job, row in STAGES.items() if row.reads_store] == [Job.EVIDENCE]


def test_group_sizes_name_every_job() -> None:
    sizes = group_sizes(7)
    assert set(sizes) == {str(job) for job in Job}
    assert all(n >= 1 for n in sizes.values())


def test_the_path_follows_each_job_to_the_next_stage() -> None:
    order = path()
    assert order[:2] == [Stage.INTAKE, Stage.REVIEW] and order[-1] is Stage.PARTIES
    for here, after in zip(order[1:], order[2:], strict=False):
        job = job_at(here)
        assert job is not None and STAGES[job].next is after
