"""`complaints audit verify`: recompute every complaint's event chain and report the first
broken link of each (an edited, removed or reordered event, or a wrong chain head), and how
much it checked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg

from pipeline.db import events
from pipeline.domain.audit import link


@dataclass(frozen=True)
class Break:
    complaint_id: str
    seq: int | None
    reason: str


@dataclass
class Checked:
    """How much a verification read: complaints (one chain each) and their events."""

    chains: int = 0
    events: int = 0

    def summary(self, broken: int) -> str:
        chains = "chain" if self.chains == 1 else "chains"
        events = "event" if self.events == 1 else "events"
        return f"{broken} broken of {self.chains} {chains} checked ({self.events} {events})"


def verify(
    conn: psycopg.Connection[Any], complaint_id: str | None = None, checked: Checked | None = None
) -> Iterator[Break]:
    """The first broken link of each chain; `checked`, when given, counts what was read."""
    tally = checked if checked is not None else Checked()
    heads = events.chain_heads(conn, complaint_id)
    tally.chains = len(heads)
    current: str | None = None
    prev: str | None = None
    expected_seq = 1
    broken = False
    # A server-side cursor (streams any number of events) lives in a transaction.
    with conn.transaction():
        for e in events.chain_events(conn, complaint_id):
            tally.events += 1
            cid = str(e["complaint_id"])
            if cid != current:
                if current is not None and not broken and heads.get(current) != prev:
                    yield Break(current, None, "chain head does not match the last event")
                current, prev, expected_seq, broken = cid, None, 1, False
            if broken:
                continue
            if e["seq"] != expected_seq:
                yield Break(cid, e["seq"], f"expected event {expected_seq}: one is missing")
                broken = True
            elif e["prev_hash"] != prev:
                yield Break(cid, e["seq"], "prev_hash does not match the event before")
                broken = True
            elif e["hash"] != link(prev, e):
                yield Break(cid, e["seq"], "content does not match its hash (edited)")
                broken = True
            prev, expected_seq = e["hash"], expected_seq + 1
    if current is not None and not broken and heads.get(current) != prev:
        yield Break(current, None, "chain head does not match the last event")
