"""Governance that acts (DESIGN §8): a penalty point is kept with its reason; enough of
them within the window put the merchant under supervision (pipeline.domain.governance),
with a merchant event. While supervised, its offers wait for staff approval and its
clocks are shorter (pipeline.db.clocks). Staff lift supervision, or time does (the
scheduler); each change is a merchant event."""

from __future__ import annotations

from pipeline.db import merchants
from pipeline.db.store import Complaint, Store
from pipeline.domain.governance import SUPERVISION


def penalise(store: Store, c: Complaint, reason: str) -> None:
    """One penalty point for the complaint's merchant (the scorecard counter is bumped by
    the caller); past the threshold, supervision starts."""
    merchant, now = c.merchant_id, store.clock()
    total = merchants.add_penalty(store, merchant, c.id, reason, now, now - SUPERVISION.window)
    if total < SUPERVISION.points:
        return
    until = now + SUPERVISION.duration
    effects = list(SUPERVISION.effects)
    merchants.start_supervision(store, merchant, c.id, now, until, total, effects)
    store.now_supervised(merchant)


def holds_offer(store: Store, c: Complaint) -> bool:
    return SUPERVISION.offers_need_approval and store.supervised(c.merchant_id)
