"""Texts people read exist in en and zh-CN: the catalog covers every problem title and
notification text, every notified event has a subject, and Accept-Language picks the language."""

from __future__ import annotations

import pytest

from pipeline.adapters.notifier import _envelope
from pipeline.api.problems import TITLES, problem
from pipeline.domain.notices import RECIPIENTS
from pipeline.i18n import has_translation, negotiate, translate
from pipeline.notice_texts import SUBJECTS, every_text, texts


def test_every_text_people_read_has_a_chinese_translation() -> None:
    missing = [t for t in [*TITLES.values(), *every_text()] if not has_translation(t)]
    assert missing == []


def test_every_notified_event_has_a_subject() -> None:
    assert sorted(set(RECIPIENTS) - set(SUBJECTS)) == []


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("zh-CN", "zh-CN"),
        ("zh-TW,zh;q=0.8", "zh-CN"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("fr-FR, zh-CN;q=0.5, en;q=0.4", "zh-CN"),
        ("zh-CN;q=0, en", "en"),
        ("de", "en"),
    ],
)
def test_accept_language_picks_the_first_language_we_have(
    header: str | None, language: str
) -> None:
    assert negotiate(header) == language


def test_problem_titles_follow_the_language_and_codes_do_not() -> None:
    reply = problem(404, "no complaint x")
    assert reply.body("zh-CN")["title"] == "未找到" and reply.body("en")["title"] == "Not found"
    assert reply.body("zh-CN")["type"] == reply.body("en")["type"] == "/problems/not_found"


def test_notifications_carry_texts_in_both_languages_around_the_buyers_words() -> None:
    said = texts("merchant.dispatched", "awaiting_merchant", "屏幕有坏点 “右上角”")
    assert said["zh-CN"] == {
        "subject": "投诉已转交商家",
        "text": "投诉已转交商家：“屏幕有坏点 “右上角””。当前状态：待商家处理。",
    }
    assert said["en"]["text"] == (
        'The complaint was sent to the merchant: "屏幕有坏点 “右上角”". '
        "Status: waiting for the merchant."
    )
    envelope = _envelope(
        {
            "id": 7,
            "complaint_id": "c",
            "event_seq": 3,
            "recipient_role": "buyer",
            "recipient_id": "b_1",
            "kind": "merchant.dispatched",
            "body": {"status": "awaiting_merchant", "title": "屏幕有坏点"},
        }
    )
    assert envelope["kind"] == "merchant.dispatched" and set(envelope["texts"]) == {"en", "zh-CN"}
    assert translate("not in the catalog", "zh-CN") == "not in the catalog"


def _sentences_in_code() -> set[str]:
    """Every template given to `text(...)` in the pipeline's code."""
    import ast
    from pathlib import Path

    found = set()
    for path in Path(__file__).resolve().parents[2].joinpath("pipeline").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "text"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


def test_every_sentence_in_the_code_is_translated_with_the_same_placeholders() -> None:
    import string

    sentences = _sentences_in_code()
    assert "no complaint {id}" in sentences  # the scan finds them
    missing = sorted(s for s in sentences if not has_translation(s))
    assert missing == []

    def names(template: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(template) if f}

    differ = [s for s in sentences if names(s) != names(translate(s, "zh-CN"))]
    assert differ == []


def test_problem_details_follow_the_language_with_their_values_as_given() -> None:
    from pipeline.domain.text import text

    reply = problem(404, text("no complaint {id}", id="c-1"))
    assert reply.body("zh-CN")["detail"] == "投诉 c-1 不存在"
    assert reply.body("en")["detail"] == "no complaint c-1"
