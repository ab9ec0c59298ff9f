"""Each action.v1 name is spelled once (schemas/action_names.py): the schema, the events
named after their action and the handlers use its members."""

from __future__ import annotations

import ast
from pathlib import Path

from pipeline.domain.actions import ACTION_EVENTS, allowed_actions
from pipeline.domain.status import Role, Stage, Status
from pipeline.domain.transitions import Event
from pipeline.handlers.actions import APPLY
from schemas.action import REQUIRED, ActionV1
from schemas.action_names import ActionName

ROOT = Path(__file__).resolve().parents[2]
HOME = ROOT / "schemas" / "action_names.py"


def test_every_action_but_a_followup_triggers_an_event() -> None:
    assert set(ACTION_EVENTS) == set(ActionName) - {ActionName.BUYER_FILE_FOLLOWUP}
    renamed = {name for name, event in ACTION_EVENTS.items() if event.value != name.value}
    assert {name.value for name in renamed} == {
        "buyer.grant_extension",
        "buyer.refuse_extension",
        "platform.grant_extension",
        "platform.refuse_extension",
        "platform.refund_settled",
        "platform.refund_failed",
    }
    assert Event("merchant.accept") is ACTION_EVENTS[ActionName.MERCHANT_ACCEPT]


def test_the_schema_handlers_and_lists_use_the_same_names() -> None:
    schema = ActionV1.model_json_schema(by_alias=True)
    assert schema["$defs"]["ActionName"]["enum"] == [name.value for name in ActionName]
    assert set(REQUIRED) <= set(ActionName) and set(APPLY) <= set(ActionName)
    listed = allowed_actions(Status.AWAITING_MERCHANT, Stage.PARTIES, Role.MERCHANT)
    assert "merchant.accept" in listed and all(isinstance(n, ActionName) for n in listed)
    assert ActionName.PLATFORM_DECIDE.role == "platform"


def test_no_production_module_spells_an_action_name_again() -> None:
    names = {name.value for name in ActionName}
    spelled = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.value}"
        for package in ("pipeline", "workers", "schemas")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != HOME and "migrations" not in path.parts
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and node.value in names
    ]
    assert spelled == []
