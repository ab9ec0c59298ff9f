from __future__ import annotations

from typing import Any

import pytest

from pipeline.domain.evidence_rules import (
    key_allowed,
    signature_matches,
    unmet_requirements,
)
from pipeline.domain.status import Category, EvidenceKind, Verdict
from pipeline.handlers.evidence import check_item
from tests.factories import CHAT, JPEG, sha
from tests.fakes import FakeEvidenceStore


@pytest.mark.parametrize(
    ("key", "allowed"),
    [
        ("evidence/b1/a.jpg", True),
        ("evidence/b1/sub/a.jpg", True),
        ("evidence/b2/a.jpg", False),
        ("evidence/b1/../b2/a.jpg", False),
        ("evidence/b1/./a.jpg", False),
        ("/evidence/b1/a.jpg", False),
        ("evidence/b1//a.jpg", False),
        ("evidence/b1/", False),
        ("evidence/b10/a.jpg", False),
        ("evidence/b1\\..\\b2/a.jpg", False),
        ("other/b1/a.jpg", False),
    ],
)
def test_keys_are_confined_to_the_submitters_prefix(key: str, allowed: bool) -> None:
    assert key_allowed(key, "b1") is allowed


@pytest.mark.parametrize(
    ("ctype", "head", "ok"),
    [
        ("image/jpeg", JPEG, True),
        ("image/jpeg", b"%PDF-1.7", False),
        ("image/png", b"\x89PNG\r\n\x1a\n....", True),
        ("image/webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", True),
        ("image/webp", b"RIFF\x00\x00\x00\x00AVI ", False),
        ("video/mp4", b"\x00\x00\x00\x18ftypmp42", True),
        ("video/quicktime", b"\x00\x00\x00\x08wide", True),
        ("application/pdf", b"%PDF-1.4\n", True),
        ("text/plain", CHAT, True),
        ("text/plain", b"abc\x00def", False),
        ("text/plain", b"\xff\xfe\xfa bad utf8 here", False),
        ("application/json", b'  {"a": 1}', True),
        ("application/json", b"not json", False),
    ],
)
def test_first_bytes_must_match_the_declared_type(ctype: str, head: bytes, ok: bool) -> None:
    assert signature_matches(ctype, head) is ok


def test_unmet_requirements_name_the_kinds_that_would_satisfy_them() -> None:
    assert unmet_requirements(Category.COUNTERFEIT, [EvidenceKind.PHOTO]) == [
        ["inspection_report", "transaction_record"]
    ]
    assert unmet_requirements(Category.SERVICE, []) == [["chat_log", "service_record"]]
    assert unmet_requirements(Category.OTHER, []) == []
    assert unmet_requirements(Category.PRODUCT_QUALITY, [EvidenceKind.VIDEO]) == []


def item(**overrides: Any) -> dict[str, Any]:
    return {
        "key": "evidence/b1/a.jpg",
        "kind": "photo",
        "content_type": "image/jpeg",
        "size": len(JPEG),
        "sha256": sha(JPEG),
        "position": 0,
        "submitted_by_id": "b1",
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "verdict"),
    [
        ({}, Verdict.OK),
        ({"position": 20}, Verdict.TOO_MANY),
        ({"key": "evidence/b2/a.jpg"}, Verdict.FORBIDDEN_KEY),
        ({"size": 10 * 1024 * 1024 + 1}, Verdict.TOO_LARGE),
        ({"key": "evidence/b1/none.jpg"}, Verdict.MISSING),
        ({"size": len(JPEG) + 1}, Verdict.SIZE_MISMATCH),
        ({"content_type": "image/png"}, Verdict.TYPE_MISMATCH),
        ({"sha256": sha(b"x")}, Verdict.HASH_MISMATCH),
    ],
)
def test_each_verdict(overrides: dict[str, Any], verdict: Verdict) -> None:
    store = FakeEvidenceStore()
    store.put("evidence/b1/a.jpg", JPEG)
    assert check_item(item(**overrides), store).verdict is verdict


def test_stored_checksum_spares_a_download_and_else_the_object_is_hashed() -> None:
    store = FakeEvidenceStore()
    store.put("evidence/b1/a.jpg", JPEG, checksum=True)
    store.put("evidence/b1/b.jpg", JPEG)
    assert check_item(item(), store).verdict is Verdict.OK
    assert check_item(item(key="evidence/b1/b.jpg"), store).verdict is Verdict.OK
    assert store.streamed == ["evidence/b1/b.jpg"]
