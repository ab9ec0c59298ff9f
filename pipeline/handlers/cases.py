"""Cases (批量投诉), found as complaints are forwarded to their merchant: the dispatch step
sends each counted complaint to the case count (a coalesced message through the outbox,
so dispatch itself costs nothing more). One locked tally row per merchant, product and
category keeps the arrivals inside the window, so the check costs one row whatever the
number of complaints. Passing the threshold opens the case, links the arrivals and tells
the platform once (the tally's row lock makes the opening happen in one transaction);
later arrivals join the open case.

One staff decision applies to every open complaint of a case: it is recorded once per
idempotency key and fanned out through the outbox, one message per complaint; each
complaint takes it once (its event names the decision), however often a message comes."""

from __future__ import annotations

from typing import Any

from pipeline.db import cases, events
from pipeline.db.store import Complaint, Store
from pipeline.domain.cases import CASE_RULES, product_key, within
from pipeline.domain.status import Category, Role
from pipeline.domain.transitions import Event, allowed_events
from pipeline.handlers import returns
from pipeline.handlers.review import Skipped

Key = tuple[str, str, str]  # merchant, product, category


def counts(c: Complaint) -> bool:
    """Whether a complaint is counted towards a case (its category has a rule, it names a
    product): the dispatch step sends it to the case count then."""
    return c.category in CASE_RULES and bool(product_key(c.sku, c.item_id))


def count_cases(
    store: Store, arrivals: list[tuple[str, str | None]]
) -> list[Complaint | Skipped | str]:
    """(complaint id, message id) arrivals counted in one transaction, set-based: the
    group's tallies locked in key order in one statement, saved in one, its links written
    in one. A complaint counted already (a redelivery) is skipped. Returns, per arrival,
    the case it joined or opened (the opening complaint's step), or Skipped."""
    ids = [cid for cid, _ in arrivals]
    inputs = cases.inputs(store, ids)
    keys: dict[str, Key] = {}
    for cid, row in inputs.items():
        pk = product_key(row["sku"], row["item_id"])
        if pk is not None and Category(row["category"]) in CASE_RULES and not row["linked"]:
            keys[cid] = (row["merchant_id"], pk, row["category"])
    wanted = sorted(set(keys.values()))
    tallies: dict[Key, dict[str, Any]] = {}
    if wanted:
        tallies = cases.lock_tallies(store, wanted)
    now = store.clock()
    links: list[tuple[str, str]] = []
    opened: dict[str, tuple[str, int]] = {}  # opening complaint -> (case, members)
    results: list[Complaint | Skipped | str] = []
    for cid, _ in arrivals:
        key = keys.get(cid)
        if key is None:
            results.append(Skipped(cid, "not counted towards a case (or counted already)"))
            continue
        t = tallies[key]
        if cid in t["complaint_ids"]:
            results.append(Skipped(cid, "counted already"))
            continue
        if t["case_id"] is not None:
            links.append((t["case_id"], cid))
            results.append(t["case_id"])
            continue
        rule = CASE_RULES[Category(key[2])]
        ids_in, ats_in = within(t["complaint_ids"], t["arrived_at"], now, rule.window)
        t["complaint_ids"], t["arrived_at"] = [*ids_in, cid], [*ats_in, now]
        if len(t["complaint_ids"]) >= rule.threshold:
            case_id = cases.open_case(store, key, now, cid)
            t["case_id"] = case_id
            links += [(case_id, m) for m in t["complaint_ids"]]
            opened[cid] = (case_id, len(t["complaint_ids"]))
            t["complaint_ids"], t["arrived_at"] = [], []
        results.append(t["case_id"] or Skipped(cid, "counted; no case yet"))
    if tallies:
        cases.save_tallies(store, list(tallies.values()))
    if links:
        cases.link_members(store, links, now)
    for i, (cid, mid) in enumerate(arrivals):
        if cid in opened:
            results[i] = _opened(store, cid, *opened[cid], mid)
    return results


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


def decide_case(
    store: Store, case_id: str, key: str, outcome: dict[str, Any], rule: str, staff: str
) -> tuple[int, bool, int]:
    """Record the decision (once per key) and send it to each complaint of the case:
    (decision id, replayed, complaints it was sent to)."""
    decision_id = cases.record_decision(store, case_id, key, outcome, rule, staff, store.clock())
    if decision_id is None:
        kept = cases.recorded_decision(store, case_id, key)
        assert kept is not None
        return kept, True, 0
    members = cases.members(store, case_id)
    for m in members:
        store.enqueue("case_decide", "actions", m["id"], case_decision_id=decision_id)
    cases.close(store, case_id, store.clock())
    return decision_id, False, len(members)


def apply_case_decision(
    store: Store, complaint_id: str, decision_id: int, message_id: str | None = None
) -> Complaint | Skipped:
    c = store.lock(complaint_id)
    if c is None:
        return Skipped(complaint_id, "unknown complaint")
    if events.case_decision_applied(store, c.id, decision_id):
        return Skipped(complaint_id, "case decision already applied")
    if str(Event.CASE_DECIDED) not in allowed_events(c.status, Role.PLATFORM):
        return Skipped(complaint_id, f"complaint is {c.status}: the case decision passes it by")
    d = cases.decision(store, decision_id)
    assert d is not None
    decided = {
        **d["outcome"],
        "rule": d["rule"],
        "level": c.escalation_level,
        "case_id": str(d["case_id"]),
        "case_decision_id": decision_id,
    }
    who = {"role": Role.PLATFORM, "actor_id": d["decided_by"], "message_id": message_id}
    if decided["decision"] == "merchant_wins":
        return store.apply(c, Event.CASE_DECIDED_NO_REMEDY, outcome=decided, data=decided, **who)
    after = store.apply(c, Event.CASE_DECIDED, outcome=decided, data=decided, **who)
    store.bump_merchant(c.merchant_id, lost=1)
    return returns.require_return(store, after)
