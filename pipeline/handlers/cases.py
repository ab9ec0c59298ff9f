"""Cases (批量投诉), found as complaints are forwarded to their merchant: the dispatch step
sends each counted complaint to the case count (a coalesced message through the outbox,
so dispatch itself costs nothing more). One locked tally row per merchant, product and
category keeps the arrivals inside the window, so the check costs one row whatever the
number of complaints. Passing the threshold opens the case, links the arrivals and tells
the platform once (the tally's row lock makes the opening happen in one transaction);
later arrivals join the open case. Decisions for a case: pipeline.handlers.case_decisions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.db import cases
from pipeline.db.store import Complaint, Store
from pipeline.domain.cases import CASE_RULES, product_key, within
from pipeline.domain.status import Category, Role
from pipeline.domain.transitions import Event, allowed_events
from pipeline.handlers.common import Item, Skipped


def counts(c: Complaint) -> bool:
    """Whether a complaint is counted towards a case (its category has a rule, it names a
    product): the dispatch step sends it to the case count then."""
    return c.category in CASE_RULES and bool(product_key(c.sku, c.item_id))


def count_cases(store: Store, items: Sequence[Item]) -> list[Complaint | Skipped | str]:
    """(complaint id, message id) arrivals counted in one transaction, set-based: one
    statement reads the group's keys, locks their tallies in key order and links the
    arrivals of keys whose case is open (the common case in a burst); only keys still
    below their threshold take a few more statements, each for the whole group. A
    complaint counted already (a redelivery) is skipped. Returns, per arrival, the case it
    joined or opened (the opening complaint's step), or Skipped."""
    arrivals = [(item.complaint_id, item.message_id) for item in items]
    now = store.clock()
    rows = cases.count_arrivals(store, [cid for cid, _ in arrivals], _CATEGORIES, now)
    joined: dict[str, Complaint | Skipped | str] = {}
    changed: list[dict[str, Any]] = []
    links: list[tuple[str, str]] = []
    opened: dict[str, tuple[str, int]] = {}  # opening complaint -> (case, members)
    linked = set(rows[0]["linked"] or ()) if rows else set()
    order: dict[str, int] = {}
    for t in rows:
        if t["case_id"] is not None:  # the statement linked them to the open case
            joined.update((cid, t["case_id"]) for cid in t["arrivals"] if cid in linked)
            continue
        order = order or {cid: i for i, (cid, _) in enumerate(arrivals)}
        rule = CASE_RULES[Category(t["category"])]
        counted = set(t["complaint_ids"])
        ids_in, ats_in = within(t["complaint_ids"], t["arrived_at"], now, rule.window)
        case_id: str | None = None
        for cid in sorted(t["arrivals"], key=order.__getitem__):
            if case_id is not None:
                links.append((case_id, cid))
                joined[cid] = case_id
                continue
            if cid in counted:
                joined[cid] = Skipped(cid, "counted already")
                continue
            counted.add(cid)
            ids_in, ats_in = [*ids_in, cid], [*ats_in, now]
            if len(ids_in) >= rule.threshold:
                key = (t["merchant_id"], t["product_key"], t["category"])
                case_id = cases.open_case(store, key, now, cid)
                links += [(case_id, m) for m in ids_in]
                opened[cid] = (case_id, len(ids_in))
                ids_in, ats_in = [], []
                joined[cid] = case_id
            else:
                joined[cid] = Skipped(cid, "counted; no case yet")
        if case_id is not None or (ids_in, ats_in) != (t["complaint_ids"], t["arrived_at"]):
            t.update(complaint_ids=ids_in, arrived_at=ats_in, case_id=case_id)
            changed.append(t)  # a replay that changes nothing writes nothing
    if changed:
        cases.save_tallies(store, changed)
    if links:
        cases.link_members(store, links, now)
    results: list[Complaint | Skipped | str] = []
    for cid, mid in arrivals:
        if cid in opened:
            results.append(_opened(store, cid, *opened[cid], mid))
        else:
            results.append(joined[cid] if cid in joined else _not_counted(cid))
    return results


_CATEGORIES = [str(c) for c in CASE_RULES]


def _not_counted(cid: str) -> Skipped:
    return Skipped(cid, "not counted towards a case (or counted already)")


def _opened(
    store: Store, cid: str, case_id: str, members: int, mid: str | None
) -> Complaint | Skipped:
    """The step that tells the platform, once, that a case formed (on the complaint whose
    arrival formed it, wherever it is by now)."""
    c = store.lock(cid)
    if c is None or str(Event.CASE_OPENED) not in allowed_events(c.status, Role.SYSTEM):
        return Skipped(cid, "case opened; the complaint was closed meanwhile")
    data = {"case_id": case_id, "complaints": members}
    return store.apply(c, Event.CASE_OPENED, data=data, message_id=mid)
