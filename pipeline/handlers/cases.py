"""Cases (批量投诉), found as complaints are forwarded to their merchant: one locked tally
row per merchant, product and category keeps the arrivals inside the window, so the check
costs one row whatever the number of complaints. Passing the threshold opens the case,
links the arrivals and tells the platform once (the tally's row lock makes the opening
happen in one transaction); later arrivals join the open case.

One staff decision applies to every open complaint of a case: it is recorded once per
idempotency key and fanned out through the outbox, one message per complaint; each
complaint takes it once (its event names the decision), however often a message comes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from pipeline.db.json_rows import dumps
from pipeline.db.store import Complaint, Store
from pipeline.domain.cases import CASE_RULES, product_key, within
from pipeline.domain.status import Category, Role
from pipeline.domain.transitions import Event, allowed_events
from pipeline.handlers import returns
from pipeline.handlers.review import Skipped


@dataclass(frozen=True)
class Arrival:
    case_id: str | None  # the case the complaint joined or opened
    opened: bool = False
    members: int = 0


def note_arrival(store: Store, c: Complaint) -> Arrival:
    rule = CASE_RULES.get(Category(c["category"]))
    key = product_key(c["sku"], c["item_id"])
    if rule is None or key is None:
        return Arrival(None)
    where = {"merchant_id": c["merchant_id"], "product_key": key, "category": c["category"]}
    tally = store.one("lock_case_tally", where)
    assert tally is not None
    now = store.clock()
    if tally["case_id"] is not None:
        joined = str(tally["case_id"])
        store.run("link_case_members", {"case_id": joined, "ids": [c.id], "now": now})
        return Arrival(joined)
    ids, arrived = within(tally["complaint_ids"], tally["arrived_at"], now, rule.window)
    ids, arrived = [*ids, c.id], [*arrived, now]
    case_id: str | None = None
    if len(ids) >= rule.threshold:
        opened = store.one("open_case", {**where, "now": now, "complaint_id": c.id})
        assert opened is not None
        case_id = str(opened["id"])
        store.run("link_case_members", {"case_id": case_id, "ids": ids, "now": now})
    store.run(
        "save_case_tally",
        {
            **where,
            "complaint_ids": [] if case_id else ids,
            "arrived_at": [] if case_id else arrived,
            "case_id": case_id,
        },
    )
    return Arrival(case_id, opened=case_id is not None, members=len(ids))


def opened(store: Store, c: Complaint, arrival: Arrival, mid: str | None) -> Complaint:
    """The step that tells the platform, once, that a case formed."""
    if not arrival.opened:
        return c
    data = {"case_id": arrival.case_id, "complaints": arrival.members}
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
        store.enqueue("case_decide", "actions", m["id"], case_decision_id=int(row["id"]))
    store.run("close_case", {"case_id": case_id, "now": store.clock()})
    return int(row["id"]), False, len(members)


def apply_case_decision(
    store: Store, complaint_id: str, decision_id: int, message_id: str | None = None
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
