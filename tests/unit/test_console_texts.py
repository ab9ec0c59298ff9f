"""The console's texts exist in zh-CN and en: both catalogs have the same keys, every literal
key the pages ask for, and a text for every status, category, action, evidence kind,
verdict and rejection reason the API can answer with (category names come from the category
table), every event a timeline shows and every effect of supervision."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import pytest

from pipeline.console import categories_js
from pipeline.domain.governance import SUPERVISION
from pipeline.domain.status import Category, EvidenceKind, RejectionReason, Status, Verdict
from pipeline.domain.transitions import Event
from schemas.action import ActionName

JS = Path(__file__).resolve().parents[2] / "pipeline" / "console" / "static" / "js"
_KEY = re.compile(r'(?:"([\w.]+)"|\b([a-z_]+)):\s*"')


def catalogs() -> dict[str, set[str]]:
    text = (JS / "i18n.js").read_text(encoding="utf-8")
    zh, en = text.split('\n  "zh-CN": {', 1)[1].split("\n  en: {", 1)
    en = en.split("\n};", 1)[0]
    return {
        lang: {a or b for a, b in _KEY.findall(body)} for lang, body in (("zh-CN", zh), ("en", en))
    }


def test_both_languages_have_the_same_texts() -> None:
    found = catalogs()
    assert len(found["en"]) > 150
    assert found["zh-CN"] ^ found["en"] == set()


def test_every_literal_key_the_pages_ask_for_has_a_text() -> None:
    keys = catalogs()["en"]
    asked = {
        key
        for path in JS.glob("*.js")
        for key in re.findall(r'\bt\("([\w.]+)"', path.read_text(encoding="utf-8"))
    }
    assert asked  # the scan found the pages' keys
    assert asked - keys == set()


@pytest.mark.parametrize(
    ("prefix", "values"),
    [
        ("status", [s.value for s in Status]),
        ("kind", [k.value for k in EvidenceKind]),
        ("verdict", [v.value for v in Verdict]),
        ("reason", [r.value for r in RejectionReason]),
        ("action", [a for a in typing.get_args(ActionName) if a != "buyer.file_followup"]),
        ("effect", list(SUPERVISION.effects)),
    ],
)
def test_every_code_the_api_answers_with_has_a_text(prefix: str, values: list[str]) -> None:
    keys = catalogs()["en"]
    assert {f"{prefix}.{v}" for v in values} - keys == set()


def test_every_event_on_a_timeline_has_a_text() -> None:
    """A timeline names an event by its own text or, for a person's action, the action's."""
    keys = catalogs()["en"]
    untold = {e.value for e in Event if {f"event.{e.value}", f"action.{e.value}"}.isdisjoint(keys)}
    assert untold == set()


def test_every_category_has_its_names_in_the_module_the_pages_import() -> None:
    """Category names are not in i18n.js: the console imports them from the category table
    (categories.js, served by the API), so a new row needs no edit of the pages."""
    assert "cat." not in (JS / "i18n.js").read_text(encoding="utf-8").replace("`cat.${", "")
    module = categories_js()
    codes = json.loads(re.search(r"CATEGORIES = (.*);", module)[1])  # type: ignore[index]
    names = json.loads(re.search(r"CATEGORY_NAMES = (.*);", module)[1])  # type: ignore[index]
    assert codes == [c.value for c in Category]
    for language in ("zh-CN", "en"):
        assert sorted(names[language]) == sorted(codes)
        assert all(names[language].values())
    assert names["zh-CN"]["counterfeit"] == "假冒商品"
