"""Governance that acts (DESIGN §8): penalty points within a window put a merchant under
supervision for a time; its effects are data. Staff lift it early, or time does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class Supervision:
    points: int  # penalty points within `window` that start supervision
    window: timedelta
    duration: timedelta  # lifted by time after this, unless staff lift it before
    #: Effects while supervised: every offer needs staff approval; the merchant's clocks
    #: run this fraction of their usual window.
    offers_need_approval: bool = True
    answer_window_factor: float = 0.5
    effects: tuple[str, ...] = field(default=("offers_need_approval", "shorter_answer_windows"))


SUPERVISION = Supervision(points=3, window=timedelta(days=30), duration=timedelta(days=30))
