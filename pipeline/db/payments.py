"""Payment instructions' statements (table `payment_instructions`): a refund instructed
with its step, handed to the payments port, answered by the payment system."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pipeline.db.gateway import Db, Row, one, run


def count(db: Db, complaint_id: str) -> int:
    row = one(db, "count_payment_instructions", {"complaint_id": complaint_id})
    return int(row["n"]) if row else 0


def instruct(db: Db, instruction: Mapping[str, Any], now: datetime) -> None:
    """A new instruction: idempotency_key, complaint_id, amount_cents, compensation_cents,
    currency, order_id, buyer_id, merchant_id, executed_by."""
    run(db, "insert_payment_instruction", {**instruction, "now": now})


def get(db: Db, key: str) -> Row | None:
    return one(db, "payment_instruction", {"key": key})


def latest(db: Db, complaint_id: str) -> Row | None:
    """The complaint's newest instruction and its answer, as the complaint view shows it."""
    return one(db, "latest_payment_instruction", {"complaint_id": complaint_id})


def answer(
    db: Db, key: str, state: str, reference: str | None, failure: str | None, now: datetime
) -> bool:
    """Settle or fail an instruction still waiting; False when it was answered already."""
    params = {"key": key, "state": state, "reference": reference, "failure": failure, "now": now}
    return one(db, "answer_payment_instruction", params) is not None


def mark_published(db: Db, key: str, now: datetime) -> None:
    run(db, "mark_payment_published", {"key": key, "now": now})
