"""Evidence: check each new item against object storage, then the category's requirements.

S3 is read outside the database transaction (no row lock held across network calls); the
result is written only if the complaint has not moved on meanwhile. A store that cannot
answer (EvidenceStoreUnavailable) fails the whole call before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from pipeline.adapters.evidence_store import EvidenceStore, EvidenceStoreUnavailable
from pipeline.db import complaints, evidence_items, reports
from pipeline.db.store import Complaint, Store
from pipeline.domain.actions import CHECKED_EVIDENCE
from pipeline.domain.evidence_rules import (
    HEAD_BYTES,
    MAX_ITEMS,
    ItemCheck,
    key_allowed,
    signature_matches,
    size_limit,
    unmet_requirements,
)
from pipeline.domain.status import EvidenceKind, Role, Stage, Status, Verdict
from pipeline.domain.transitions import Event
from pipeline.handlers.common import Item, Skipped, expect
from pipeline.logging import get_logger
from schemas.action import ActionV1

UnitOfWork = Callable[[], AbstractContextManager[Store]]

log = get_logger("pipeline.evidence")


def note_store_error(uow: UnitOfWork, exc: EvidenceStoreUnavailable) -> None:
    """Log and count a store failure (metric and durable counter) in a transaction of its
    own: the stage's transaction has rolled back. Counting never hides the failure."""
    log.warning("evidence store unavailable; no verdict, retried", reason=exc.reason)
    try:
        with uow() as store:
            reports.count_store_error(store, exc.reason)
            store.effects.append(("store_error", (exc.reason,)))
    except Exception as failed:  # the database may be down too: the retry still happens
        log.warning("store error not counted", error=type(failed).__name__)


def check_item(item: dict[str, Any], store: EvidenceStore) -> ItemCheck:
    """The verdict for one evidence item (docs/contracts.md §5, first failing check wins).
    Raises EvidenceStoreUnavailable when the store cannot tell whether the object exists."""
    key, kind = item["key"], EvidenceKind(item["kind"])
    if item["position"] >= MAX_ITEMS:
        return ItemCheck(Verdict.TOO_MANY, f"at most {MAX_ITEMS} items per complaint")
    if not key_allowed(key, item["submitted_by_id"]):
        return ItemCheck(
            Verdict.FORBIDDEN_KEY, f"key must sit under evidence/{item['submitted_by_id']}/"
        )
    limit = size_limit(kind)
    if item["size"] > limit:
        return ItemCheck(Verdict.TOO_LARGE, f"{kind.value} limit is {limit} bytes")
    info = store.inspect(key, HEAD_BYTES)
    if info is None:
        return ItemCheck(Verdict.MISSING, "no object at this key")
    if info.size != item["size"]:
        return ItemCheck(Verdict.SIZE_MISMATCH, f"declared {item['size']}, stored {info.size}")
    if not signature_matches(item["content_type"], info.head):
        return ItemCheck(
            Verdict.TYPE_MISMATCH, f"first bytes are not those of {item['content_type']}"
        )
    actual = info.sha256_hex or store.sha256_hex(key)
    if actual != item["sha256"]:
        return ItemCheck(Verdict.HASH_MISMATCH, "stored object's SHA-256 differs")
    return ItemCheck(Verdict.OK, "")


def precheck(action: ActionV1, objects: EvidenceStore) -> list[ItemCheck] | None:
    """A dispute's evidence verdicts, read from the store before the action's transaction
    (the actions actor and the HTTP route both call this); None for other actions."""
    if action.action not in CHECKED_EVIDENCE:
        return None
    role, actor = Role(action.actor.role), action.actor.id
    return [
        check_item(evidence_items.row(action.complaint_id, i, role, actor, item), objects)
        for i, item in enumerate(action.evidence or [])
    ]


@dataclass(frozen=True)
class Snapshot:
    version: int
    items: list[dict[str, Any]]  # every item of the complaint, by position

    @property
    def unchecked(self) -> list[dict[str, Any]]:
        return [i for i in self.items if i["verdict"] is None]


def _snapshots(store: Store, complaint_ids: list[str]) -> list[Snapshot | Skipped]:
    rows = complaints.evidence_snapshots(store, complaint_ids)
    snaps: list[Snapshot | Skipped] = []
    for cid in complaint_ids:
        row = rows.get(cid)
        if row is None or row["status"] != Status.IN_REVIEW or row["stage"] != Stage.EVIDENCE:
            snaps.append(Skipped(cid, "not waiting for an evidence check"))
        else:
            snaps.append(Snapshot(row["version"], row["items"]))
    return snaps


def handle_evidence(
    uow: UnitOfWork, objects: EvidenceStore, items: Sequence[Item]
) -> list[Complaint | Skipped]:
    """A group's evidence checks: their snapshots read in one statement, S3 read with no
    transaction open (the items' reads overlapping), their results written in one
    transaction (one commit, one statement for every verdict)."""
    requests = [(item.complaint_id, item.message_id) for item in items]
    with uow() as store:
        snaps = _snapshots(store, [complaint_id for complaint_id, _ in requests])
    todo = [
        (n, item)
        for n, snap in enumerate(snaps)
        if not isinstance(snap, Skipped)
        for item in snap.unchecked
    ]
    item_checks = objects.each(lambda item: check_item(item, objects), [i for _, i in todo])
    checks: list[dict[int, ItemCheck]] = [{} for _ in snaps]
    for (n, item), check in zip(todo, item_checks, strict=True):
        checks[n][item["id"]] = check
    with uow() as store:
        store.lock_many([complaint_id for complaint_id, _ in requests])
        results: list[Complaint | Skipped] = []
        verdicts: dict[int, ItemCheck] = {}
        for (complaint_id, mid), snap, found in zip(requests, snaps, checks, strict=True):
            if isinstance(snap, Skipped):
                results.append(snap)
                continue
            result = _decide(store, complaint_id, snap, found, mid)
            if not isinstance(result, Skipped):
                verdicts.update(found)
            results.append(result)
        if verdicts:
            checked = {i: (ch.verdict.value, ch.detail or None) for i, ch in verdicts.items()}
            evidence_items.set_verdicts(store, checked, store.clock())
        return results


def _decide(
    store: Store,
    complaint_id: str,
    snap: Snapshot,
    checks: dict[int, ItemCheck],
    message_id: str | None,
) -> Complaint | Skipped:
    """The complaint's evidence outcome; its new verdicts (`checks`) are written by the
    caller, with the group's, unless this returns Skipped."""
    c = expect(store, complaint_id, Status.IN_REVIEW, Stage.EVIDENCE)
    if isinstance(c, Skipped):
        return c
    # Items change only with a transition, which bumps the version: an unchanged
    # version means the snapshot's items are still the complaint's items.
    if c.version != snap.version:
        return Skipped(complaint_id, "complaint changed during the evidence check")
    store.effects.extend(("verdict", (check.verdict.value,)) for check in checks.values())
    verdicts = {
        i["id"]: checks[i["id"]].verdict if i["id"] in checks else i["verdict"] for i in snap.items
    }
    ok_kinds = [EvidenceKind(i["kind"]) for i in snap.items if verdicts[i["id"]] == Verdict.OK]
    missing = unmet_requirements(c.category, ok_kinds)
    # Only this round's items count as bad: supplying new evidence supersedes old failures.
    bad = {
        str(i["position"]): verdicts[i["id"]]
        for i in snap.items
        if i["id"] in checks and verdicts[i["id"]] != Verdict.OK
    }
    if bad or missing:
        return store.apply(
            c,
            Event.EVIDENCE_INSUFFICIENT,
            message_id=message_id,
            data={"verdicts": bad, "missing_required": missing},
        )
    return store.advance(
        c,
        Event.EVIDENCE_ACCEPTED,
        to=Stage.ROUTE,
        message_id=message_id,
        data={"items": len(snap.items)},
    )
