"""The category table: the enum, the rules and the queues are its rows; a categories file
replaces rows in place or appends them, and a bad file fails with its name and the field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline.domain import cases, evidence_rules, remedy_rules, review_rules, routing, sla
from pipeline.domain.status import Category, Status
from schemas.categories import CATEGORIES, DEFAULT_ROWS, ENV, load

ROOT = Path(__file__).resolve().parents[2]
PETS = {
    "name": "pet_health",
    "name_zh": "宠物健康",
    "name_en": "Pet health",
    "window_days": 30,
    "window_anchor": "paid",
    "evidence": [["photo"]],
    "remedy_rules": ["quality_defect_full_remedy"],
    "sla_hours": {"awaiting_merchant": 12},
    "urgency": 0,
    "case_threshold": 4,
}


def test_the_enum_is_the_table_in_order() -> None:
    assert [c.value for c in Category] == [row.name for row in CATEGORIES]
    assert [row.name for row in DEFAULT_ROWS][:3] == [
        "product_quality",
        "not_as_described",
        "counterfeit",
    ]


def test_every_rule_table_is_derived_from_the_rows() -> None:
    for row in CATEGORIES:
        c = Category(row.name)
        assert review_rules.WINDOWS[c] == (row.window_anchor, row.window_days)
        assert evidence_rules.REQUIREMENTS[c] == row.evidence
        assert [r.name for r in remedy_rules.RULES[c]] == list(row.remedy_rules)
        assert routing.ROUTES[c] == (row.queue, row.urgency)
        assert (c in cases.CASE_RULES) == (row.case_threshold is not None)
    counterfeit = Category("counterfeit")
    assert sla.CATEGORY_WINDOWS == {(Status.AWAITING_MERCHANT, counterfeit): timedelta(hours=48)}
    assert routing.all_queues()[7] == "handle.counterfeit"  # most urgent handling queue first
    assert [name for name, _ in review_rules.FLAG_RULES] == [
        "amount_above_threshold",
        "counterfeit_claim",
        "frequent_complainant",
    ]


def test_a_file_replaces_rows_in_place_and_appends_new_ones(tmp_path: Path) -> None:
    other = {**DEFAULT_ROWS[-1].model_dump(mode="json"), "window_days": 20}
    path = tmp_path / "categories.json"
    path.write_text(json.dumps([PETS, other]), encoding="utf-8")
    rows = load(str(path))
    assert [r.name for r in rows] == [*(r.name for r in DEFAULT_ROWS), "pet_health"]
    assert rows[len(DEFAULT_ROWS) - 1].window_days == 20
    assert rows[-1].queue == "handle.pet_health" and rows[-1].worker_group == "handle"


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({**PETS, "window_anchor": "shipped"}, "window_anchor"),
        ({**PETS, "evidence": [["fax"]]}, "evidence"),
        ({**PETS, "name": "Pet Health"}, "name"),
        ({**PETS, "colour": "red"}, "colour"),
    ],
)
def test_a_bad_file_names_itself_and_the_field(tmp_path: Path, row: dict, field: str) -> None:
    path = tmp_path / "categories.json"
    path.write_text(json.dumps([row]), encoding="utf-8")
    with pytest.raises(ValueError, match=ENV) as err:
        load(str(path))
    assert field in str(err.value)


def test_a_process_given_the_file_knows_the_category_everywhere(tmp_path: Path) -> None:
    path = tmp_path / "categories.json"
    path.write_text(json.dumps([PETS]), encoding="utf-8")
    probe = (
        "from pipeline.domain import routing, sla, cases, remedy_rules;"
        "from schemas.complaint import ComplaintV1;"
        "from pipeline.domain.status import Category, Status;"
        "c = Category('pet_health');"
        "print(routing.route_queue(c), routing.all_queues()[8],"
        " sla.DEFAULT_POLICY.window(Status.AWAITING_MERCHANT, c), cases.CASE_RULES[c].threshold,"
        " [r.name for r in remedy_rules.RULES[c]],"
        " 'pet_health' in ComplaintV1.model_json_schema()['$defs']['Category']['enum'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, ENV: str(path)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == [
        "handle.pet_health",
        "handle.pet_health",  # urgency 0: right after counterfeit (table order among equals)
        "12:00:00",
        "4",
        "['quality_defect_full_remedy']",
        "True",
    ]


def test_unknown_remedy_rules_or_clockless_statuses_fail_at_start(tmp_path: Path) -> None:
    for bad, message in (
        ({**PETS, "remedy_rules": ["be_nice"]}, "unknown remedy rules"),
        ({**PETS, "sla_hours": {"closed": 5}}, "without a clock"),
    ):
        path = tmp_path / "categories.json"
        path.write_text(json.dumps([bad]), encoding="utf-8")
        run = subprocess.run(
            [sys.executable, "-c", "import pipeline.domain.remedy_rules, pipeline.domain.sla"],
            env={**os.environ, ENV: str(path)},
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert run.returncode == 1 and message in run.stderr, run.stderr
