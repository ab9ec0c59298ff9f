from __future__ import annotations

from pipeline.api.published import stale


def test_checked_in_contract_is_current() -> None:
    assert stale() == [], "run `complaints schemas export` and commit schemas/published/"
