"""Group commit for single submissions: concurrent `POST /v1/complaints` requests share
one transaction instead of paying a commit (and its WAL flush) each.

A request hands its complaint to a committer thread and waits for the answer. Each
committer takes whatever is waiting (up to `max_group`), accepts it with one statement and
commits once, so an idle gateway adds no delay and a busy one commits in groups. If a
group fails, its members are retried one by one, so one bad item fails only itself."""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Any

from psycopg_pool import ConnectionPool

from pipeline.db.store import unit_of_work
from pipeline.domain.sla import SlaPolicy
from pipeline.handlers.intake import IntakeResult, accept_many
from pipeline.logging import get_logger
from schemas.complaint import ComplaintV1

log = get_logger("pipeline.api.group_commit")

Item = tuple[ComplaintV1, str | None]
Waiting = tuple[Item, "Future[IntakeResult]"]


class GroupCommit:
    def __init__(
        self, pool: ConnectionPool[Any], policy: SlaPolicy, max_group: int, committers: int
    ) -> None:
        self.pool = pool
        self.policy = policy
        self.max_group = max_group
        self.waiting: queue.SimpleQueue[Waiting | None] = queue.SimpleQueue()
        self.threads = [
            threading.Thread(target=self._commit_loop, name=f"group-commit-{i}", daemon=True)
            for i in range(committers)
        ]
        for thread in self.threads:
            thread.start()

    def submit(self, complaint: ComplaintV1, idempotency_key: str | None) -> Future[IntakeResult]:
        """Resolves once the complaint's group has committed (durable) or failed."""
        future: Future[IntakeResult] = Future()
        self.waiting.put(((complaint, idempotency_key), future))
        return future

    def close(self) -> None:
        for _ in self.threads:
            self.waiting.put(None)
        for thread in self.threads:
            thread.join(10)

    def _take_group(self) -> list[Waiting] | None:
        first = self.waiting.get()
        if first is None:
            return None
        group = [first]
        while len(group) < self.max_group:
            try:
                nxt = self.waiting.get_nowait()
            except queue.Empty:
                break
            if nxt is None:  # closing: let another committer see it too
                self.waiting.put(None)
                break
            group.append(nxt)
        return group

    def _commit_loop(self) -> None:
        while self.commit_next_group():
            pass

    def commit_next_group(self) -> bool:
        """Wait for submissions, commit one group; False once closing."""
        group = self._take_group()
        if group is None:
            return False
        try:
            self._commit(group)
        except Exception as exc:
            if len(group) == 1:
                group[0][1].set_exception(exc)
                return True
            log.warning("group commit failed; retrying one by one", size=len(group))
            for member in group:
                try:
                    self._commit([member])
                except Exception as one:
                    member[1].set_exception(one)
        return True

    def _commit(self, group: list[Waiting]) -> None:
        with unit_of_work(self.pool, policy=self.policy) as store:
            results = accept_many(store, [item for item, _ in group])
        for (_, future), result in zip(group, results, strict=True):
            future.set_result(result)
