from __future__ import annotations

import pytest

from pipeline.domain.errors import ForbiddenActor, IllegalTransition
from pipeline.domain.sla import AUTOMATIC_EXIT, CLOCKS
from pipeline.domain.status import TERMINAL, Role, Status
from pipeline.domain.transitions import TABLE, Event, allowed_events, next_status, successors


def test_every_status_is_reachable_from_received() -> None:
    seen, frontier = {Status.RECEIVED}, [Status.RECEIVED]
    while frontier:
        for nxt in successors(frontier.pop()):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(Status)


@pytest.mark.parametrize("status", sorted(TERMINAL))
def test_terminal_statuses_have_no_exits(status: Status) -> None:
    assert allowed_events(status) == []
    assert successors(status) == set()


@pytest.mark.parametrize("status", sorted(set(Status) - TERMINAL))
def test_every_open_status_has_a_deadline_or_an_automatic_exit(status: Status) -> None:
    assert status in CLOCKS or status in AUTOMATIC_EXIT


@pytest.mark.parametrize("status", sorted(CLOCKS))
def test_each_deadline_breach_is_a_legal_event_in_its_status(status: Status) -> None:
    assert (status, CLOCKS[status].breach_event) in TABLE


def test_every_open_status_can_end() -> None:
    """From every open status some path reaches a terminal status."""
    for start in set(Status) - TERMINAL:
        seen, frontier = {start}, [start]
        while frontier:
            for nxt in successors(frontier.pop()):
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert seen & TERMINAL, start


def test_illegal_transition_names_status_and_allowed_events() -> None:
    with pytest.raises(IllegalTransition) as info:
        next_status(Status.CLOSED, Event.APPEAL, Role.BUYER)
    assert str(info.value) == "buyer.appeal is not allowed while the complaint is closed"
    assert info.value.allowed == []

    with pytest.raises(IllegalTransition) as info:
        next_status(Status.AWAITING_MERCHANT, Event.CONFIRM, Role.BUYER)
    message = str(info.value)
    assert message == "buyer.confirm is not allowed while the complaint is awaiting_merchant"
    assert info.value.allowed == allowed_events(Status.AWAITING_MERCHANT)


def test_wrong_role_is_refused() -> None:
    with pytest.raises(ForbiddenActor) as info:
        next_status(Status.AWAITING_MERCHANT, Event.MERCHANT_ACCEPT, Role.BUYER)
    assert str(info.value) == "role buyer may not trigger merchant.accept (only merchant)"


def test_resume_returns_to_the_suspended_from_status() -> None:
    step = next_status(
        Status.SUSPENDED, Event.RESUME, Role.PLATFORM, suspended_from=Status.IN_ARBITRATION
    )
    assert step.target is Status.IN_ARBITRATION
    with pytest.raises(IllegalTransition):
        next_status(Status.SUSPENDED, Event.RESUME, Role.PLATFORM)


def test_happy_path_follows_the_table() -> None:
    path = [
        (Event.INTAKE_ACCEPTED, Role.SYSTEM, Status.IN_REVIEW),
        (Event.REVIEW_PASSED, Role.SYSTEM, Status.IN_REVIEW),
        (Event.EVIDENCE_ACCEPTED, Role.SYSTEM, Status.IN_REVIEW),
        (Event.ROUTED, Role.SYSTEM, Status.IN_REVIEW),
        (Event.DISPATCHED, Role.SYSTEM, Status.AWAITING_MERCHANT),
        (Event.MERCHANT_ACCEPT, Role.MERCHANT, Status.MERCHANT_PROPOSED),
        (Event.ACCEPT_OFFER, Role.BUYER, Status.REMEDY_IN_PROGRESS),
        (Event.REMEDY_EXECUTED, Role.MERCHANT, Status.RESOLVED),
        (Event.CONFIRM, Role.BUYER, Status.CLOSED),
    ]
    status = Status.RECEIVED
    for event, role, expected in path:
        status = next_status(status, event, role).target
        assert status is expected
