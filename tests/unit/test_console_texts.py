"""The console's texts exist in zh-CN and en: both catalogs have the same keys, every literal
key the pages ask for, and a text for every status, category, action, evidence kind,
verdict and rejection reason the API can answer with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.domain.status import Category, EvidenceKind, RejectionReason, Status, Verdict
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
        ("cat", [c.value for c in Category]),
        ("kind", [k.value for k in EvidenceKind]),
        ("verdict", [v.value for v in Verdict]),
        ("reason", [r.value for r in RejectionReason]),
        ("action", [a for a in ActionName if a is not ActionName.BUYER_FILE_FOLLOWUP]),
    ],
)
def test_every_code_the_api_answers_with_has_a_text(prefix: str, values: list[str]) -> None:
    keys = catalogs()["en"]
    assert {f"{prefix}.{v}" for v in values} - keys == set()
