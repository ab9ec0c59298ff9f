"""The relay's wait between polls: soon while rows keep coming, backing off to the idle
wait while the outbox stays empty."""

from __future__ import annotations

from workers.relay import BUSY_WAIT_SECONDS, next_wait


def waits(found: list[int], idle: float = 0.05) -> list[float]:
    out, wait = [], idle
    for rows in found:
        wait = next_wait(wait, rows, idle)
        out.append(round(wait, 4))
    return out


def test_polls_again_soon_after_finding_rows() -> None:
    assert waits([3, 1, 7]) == [BUSY_WAIT_SECONDS] * 3


def test_backs_off_to_the_idle_wait_while_nothing_comes() -> None:
    assert waits([2, 0, 0, 0, 0, 0]) == [0.005, 0.01, 0.02, 0.04, 0.05, 0.05]


def test_an_idle_relay_starts_at_its_idle_wait_and_a_row_brings_it_back() -> None:
    assert waits([0, 0, 1, 0]) == [0.05, 0.05, 0.005, 0.01]


def test_an_idle_wait_shorter_than_the_busy_one_wins() -> None:
    assert waits([1, 0], idle=0.002) == [0.002, 0.002]
