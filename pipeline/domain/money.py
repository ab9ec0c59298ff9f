"""What a decided remedy pays, as data: the money the payments port is told to move."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Remedies that pay the buyer back (return_and_refund without an amount: the order's).
REFUNDS = frozenset({"refund", "return_and_refund", "compensation"})
#: Remedies that move goods or work, not money (unless compensation is added).
IN_KIND = frozenset({"exchange", "repair", "reship"})


@dataclass(frozen=True)
class Payment:
    amount_cents: int
    compensation_cents: int

    @property
    def total(self) -> int:
        return self.amount_cents + self.compensation_cents


def payment_due(outcome: dict[str, Any], order_amount_cents: int) -> Payment | None:
    """The money an outcome moves, or None (a remedy in kind, or nothing for the buyer).
    Agreements carry the offer (`remedy`); platform decisions an amount and, optionally,
    the remedy type they decided."""
    if outcome.get("decision") == "merchant_wins":
        return None
    remedy = outcome.get("remedy")
    if isinstance(remedy, dict):
        kind = remedy.get("type")
        amount = remedy.get("amount_cents")
        if amount is None:
            amount = order_amount_cents if kind == "return_and_refund" else 0
        if kind in IN_KIND:
            amount = 0
        payment = Payment(int(amount), int(remedy.get("compensation_cents") or 0))
    else:
        in_kind = outcome.get("remedy_type") in IN_KIND
        payment = Payment(0 if in_kind else int(outcome.get("amount_cents") or 0), 0)
    return payment if payment.total > 0 else None
