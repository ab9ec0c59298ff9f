"""The benchmark's completion poll: few polls over a run, the end seen within `finest`."""

from __future__ import annotations

import pytest

from benchmarks.env import wait_for_finish


class SimulatedRun:
    """1,000 items done at a steady 100/s after a one-second start, on a fake clock."""

    def __init__(self) -> None:
        self.now = 0.0
        self.polls = 0

    def done(self) -> int:
        return max(0, min(1000, int((self.now - 1.0) * 100)))

    def check(self) -> tuple[int, bool]:
        self.polls += 1
        return self.done(), self.done() == 1000

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_polls_rarely_and_sees_the_end_promptly() -> None:
    run = SimulatedRun()
    seen = wait_for_finish(run.check, 1000, timeout=60, clock=lambda: run.now, sleep=run.sleep)
    assert 11.0 <= seen <= 11.0 + 0.02 + 1e-9  # finished at 11 s
    assert run.polls < 60  # a fixed 50 ms poll would have asked 220 times


def test_times_out() -> None:
    run = SimulatedRun()
    with pytest.raises(TimeoutError):
        wait_for_finish(
            lambda: (run.done(), False), 1000, timeout=30, clock=lambda: run.now, sleep=run.sleep
        )
    assert 30 < run.now <= 31
