"""Governance that acts (DESIGN §8): a penalty point is kept with its reason; enough of
them within the window put the merchant under supervision (pipeline.domain.governance),
with a merchant event. While supervised, its offers wait for staff approval and its
clocks are shorter (pipeline.db.clocks). Staff lift supervision, or time does (the
scheduler); each change is a merchant event."""

from __future__ import annotations

from pipeline.db.store import Complaint, Store
from pipeline.domain.governance import SUPERVISION


def penalise(store: Store, c: Complaint, reason: str) -> None:
    """One penalty point for the complaint's merchant (the scorecard counter is bumped by
    the caller); past the threshold, supervision starts."""
    merchant, now = c["merchant_id"], store.clock()
    row = store.one(
        "add_penalty",
        {
            "merchant_id": merchant,
            "complaint_id": c.id,
            "points": 1,
            "reason": reason,
            "now": now,
            "since": now - SUPERVISION.window,
        },
    )
    assert row is not None
    if row["total"] < SUPERVISION.points:
        return
    store.run(
        "start_supervision",
        {
            "merchant_id": merchant,
            "complaint_id": c.id,
            "now": now,
            "until": now + SUPERVISION.duration,
            "points": row["total"],
            "effects": list(SUPERVISION.effects),
        },
    )
    store.now_supervised(merchant)


def holds_offer(store: Store, c: Complaint) -> bool:
    return SUPERVISION.offers_need_approval and store.supervised(c["merchant_id"])
