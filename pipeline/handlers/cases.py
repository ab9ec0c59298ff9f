"""Cases (批量投诉), found as complaints are forwarded to their merchant: the dispatch step
counts its group in its own transaction. One locked tally row per merchant, product and
category keeps the arrivals inside the window, so a group costs one statement however many
complaints and keys it holds; a complaint's case is a column its dispatch update writes
anyway. Passing the threshold opens the case, links the earlier arrivals and tells the
platform once (the tally's row lock makes the opening happen in one transaction); later
arrivals join the open case. Decisions for a case: pipeline.handlers.case_decisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.db import cases
from pipeline.db.cases import Key
from pipeline.db.store import Complaint, Store
from pipeline.domain.cases import CASE_RULES, product_key, within
from pipeline.domain.status import Category
from pipeline.domain.transitions import Event


@dataclass
class Counted:
    """A dispatch group's count: the case each complaint joins (or opens), and for each
    complaint whose arrival opened a case, that case and its number of complaints."""

    joined: dict[str, str] = field(default_factory=dict)
    opened: dict[str, tuple[str, int]] = field(default_factory=dict)


def key_of(c: Complaint) -> Key | None:
    """The key a complaint is counted under; None when its category has no case rule or it
    names no product."""
    category = c.category
    if category not in CASE_RULES:
        return None
    product = product_key(c.sku, c.item_id)
    return None if product is None else (c.merchant_id, product, category.value)


def count(store: Store, arrivals: Sequence[Complaint]) -> Counted:
    """Count a dispatch group's complaints (each forwarded once: dispatch's own check keeps
    a redelivery out) towards their cases, in the order given: one statement locks the
    group's tallies; only keys with no open case change theirs (one more statement for the
    group) and, past the threshold, open a case."""
    keyed = [(c.id, k) for c in arrivals if (k := key_of(c)) is not None]
    counted = Counted()
    if not keyed:
        return counted
    now = store.clock()
    changed: list[dict[str, Any]] = []
    for t in cases.lock_tallies(store, [k for _, k in keyed]):
        key = (t["merchant_id"], t["product_key"], t["category"])
        group = [cid for cid, k in keyed if k == key]
        open_case: str | None = t["case_id"]
        if open_case is not None:
            counted.joined.update(dict.fromkeys(group, open_case))
        else:
            _count_key(store, key, t, group, now, counted)
            changed.append(t)
    if changed:
        cases.save_tallies(store, changed)
    return counted


def _count_key(
    store: Store, key: Key, t: dict[str, Any], group: list[str], now: datetime, counted: Counted
) -> None:
    """Add the group's arrivals to a tally without an open case (the tally row is changed in
    place, for save_tallies); open the case at the threshold."""
    rule = CASE_RULES[Category(key[2])]
    ids, ats = within(t["complaint_ids"], t["arrived_at"], now, rule.window)
    case_id: str | None = None
    for cid in group:
        if case_id is not None:
            counted.joined[cid] = case_id
            continue
        ids, ats = [*ids, cid], [*ats, now]
        if len(ids) >= rule.threshold:
            case_id = cases.open_case(store, key, now, cid)
            here = set(group)
            earlier = [m for m in ids if m not in here]
            if earlier:
                cases.link_earlier(store, case_id, earlier)
            counted.joined.update((m, case_id) for m in ids if m in here)
            counted.opened[cid] = (case_id, len(ids))
            ids, ats = [], []
    t.update(complaint_ids=ids, arrived_at=ats, case_id=case_id)


def tell_opened(store: Store, c: Complaint, case_id: str, members: int) -> Complaint:
    """The step that tells the platform, once, that a case formed (on the complaint whose
    arrival formed it, just forwarded to its merchant)."""
    data = {"case_id": case_id, "complaints": members}
    return store.apply(c, Event.CASE_OPENED, data=data)
