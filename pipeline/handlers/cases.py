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

from collections.abc import Sequence
from typing import Any

from psycopg.types.json import Jsonb

from pipeline.db.json_rows import dumps
from pipeline.db.store import Complaint, Store
from pipeline.domain.cases import CASE_RULES, product_key, within
from pipeline.domain.stages import Job
from pipeline.domain.status import Category, Role
from pipeline.domain.transitions import Event, allowed_events
from pipeline.handlers import returns
from pipeline.handlers.common import Item, Skipped

Key = tuple[str, str, str]  # merchant, product, category


def counts(c: Complaint) -> bool:
    """Whether a complaint is counted towards a case (its category has a rule, it names a
    product): the dispatch step sends it to the case count then."""
    return Category(c["category"]) in CASE_RULES and bool(product_key(c["sku"], c["item_id"]))


def count_cases(store: Store, items: Sequence[Item]) -> list[Complaint | Skipped | str]:
    """A group's arrivals counted in one transaction, set-based: the
    group's tallies locked in key order in one statement, saved in one, its links written
    in one. A complaint counted already (a redelivery) is skipped. Returns, per arrival,
    the case it joined or opened (the opening complaint's step), or Skipped."""
    arrivals = [(item.complaint_id, item.message_id) for item in items]
    ids = [cid for cid, _ in arrivals]
    inputs = {r["id"]: r for r in store.all("case_inputs", {"ids": ids})}
    keys: dict[str, Key] = {}
    for cid, row in inputs.items():
        pk = product_key(row["sku"], row["item_id"])
        if pk is not None and Category(row["category"]) in CASE_RULES and not row["linked"]:
            keys[cid] = (row["merchant_id"], pk, row["category"])
    wanted = sorted(set(keys.values()))
    tallies: dict[Key, dict[str, Any]] = {}
    if wanted:
        locked = store.all(
            "lock_case_tallies",
            {
                "merchant_ids": [k[0] for k in wanted],
                "product_keys": [k[1] for k in wanted],
                "categories": [k[2] for k in wanted],
            },
        )
        tallies = {(t["merchant_id"], t["product_key"], t["category"]): t for t in locked}
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
            where = {"merchant_id": key[0], "product_key": key[1], "category": key[2]}
            case = store.one("open_case", {**where, "now": now, "complaint_id": cid})
            assert case is not None
            case_id = str(case["id"])
            t["case_id"] = case_id
            links += [(case_id, m) for m in t["complaint_ids"]]
            opened[cid] = (case_id, len(t["complaint_ids"]))
            t["complaint_ids"], t["arrived_at"] = [], []
        results.append(t["case_id"] or Skipped(cid, "counted; no case yet"))
    if tallies:
        _save(store, list(tallies.values()))
    if links:
        store.run(
            "link_case_members",
            {"case_ids": [c for c, _ in links], "ids": [m for _, m in links], "now": now},
        )
    for i, (cid, mid) in enumerate(arrivals):
        if cid in opened:
            results[i] = _opened(store, cid, *opened[cid], mid)
    return results


def _save(store: Store, tallies: list[dict[str, Any]]) -> None:
    store.run(
        "save_case_tallies",
        {
            "merchant_ids": [t["merchant_id"] for t in tallies],
            "product_keys": [t["product_key"] for t in tallies],
            "categories": [t["category"] for t in tallies],
            "ids": [",".join(t["complaint_ids"]) for t in tallies],
            "ats": [",".join(at.isoformat() for at in t["arrived_at"]) for t in tallies],
            "case_ids": [t["case_id"] for t in tallies],
        },
    )


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
    params = {"case_id": case_id, "key": key}
    row = store.one(
        "record_case_decision",
        {
            **params,
            "outcome": Jsonb(outcome, dumps=dumps),
            "rule": rule,
            "decided_by": staff,
            "now": store.clock(),
        },
    )
    if row is None:
        kept = store.one("recorded_case_decision", params)
        assert kept is not None
        return int(kept["id"]), True, 0
    members = store.all("case_complaints", {"case_id": case_id})
    for m in members:
        store.enqueue(Job.CASE_DECIDE, str(m["id"]), case_decision_id=int(row["id"]))
    store.run("close_case", {"case_id": case_id, "now": store.clock()})
    return int(row["id"]), False, len(members)


def apply_case_decisions(store: Store, items: Sequence[Item]) -> list[Complaint | Skipped]:
    return [
        _apply_case_decision(store, i.complaint_id, i.number("case_decision_id"), i.message_id)
        for i in items
    ]


def _apply_case_decision(
    store: Store, complaint_id: str, decision_id: int, message_id: str | None
) -> Complaint | Skipped:
    c = store.lock(complaint_id)
    if c is None:
        return Skipped(complaint_id, "unknown complaint")
    ref = {"complaint_id": c.id, "decision_id": decision_id}
    if store.one("case_decision_applied", ref):
        return Skipped(complaint_id, "case decision already applied")
    if str(Event.CASE_DECIDED) not in allowed_events(c.status, Role.PLATFORM):
        return Skipped(complaint_id, f"complaint is {c.status}: the case decision passes it by")
    d = store.one("case_decision", {"id": decision_id})
    assert d is not None
    decided = {
        **d["outcome"],
        "rule": d["rule"],
        "level": c["escalation_level"],
        "case_id": str(d["case_id"]),
        "case_decision_id": decision_id,
    }
    who = {"role": Role.PLATFORM, "actor_id": d["decided_by"], "message_id": message_id}
    if decided["decision"] == "merchant_wins":
        return store.apply(c, Event.CASE_DECIDED_NO_REMEDY, outcome=decided, data=decided, **who)
    after = store.apply(c, Event.CASE_DECIDED, outcome=decided, data=decided, **who)
    store.bump_merchant(c["merchant_id"], lost=1)
    return returns.require_return(store, after)
