from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from schemas.complaint import ComplaintV1, field_errors, parse_complaint
from tests.factories import complaint_payload


def errors_of(payload: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        parse_complaint(payload)
    return {e["path"]: e["rule"] for e in field_errors(info.value)}


def test_design_example_is_valid() -> None:
    c = parse_complaint(complaint_payload())
    assert isinstance(c, ComplaintV1)
    assert c.order.amount_cents == 12900 and c.evidence[0].kind == "photo"


@pytest.mark.parametrize(
    ("overrides", "path", "rule"),
    [
        ({"surprise": 1}, "surprise", "extra_forbidden"),
        ({"schema": "complaint.v2"}, "schema", "literal_error"),
        ({"source": "Tmall App"}, "source", "string_pattern_mismatch"),
        ({"external_id": "x" * 129}, "external_id", "string_too_long"),
        ({"buyer_id": "b/../1"}, "buyer_id", "string_pattern_mismatch"),
        ({"title": ""}, "title", "string_too_short"),
        ({"description": "d" * 5001}, "description", "string_too_long"),
        ({"title": "bad\x00title"}, "title", "nul_character"),
        ({"claimed_amount_cents": -1}, "claimed_amount_cents", "greater_than_equal"),
        ({"claimed_amount_cents": "100"}, "claimed_amount_cents", "int_type"),
        ({"claimed_amount_cents": 10**14}, "claimed_amount_cents", "less_than_equal"),
        ({"order__currency": "cny"}, "order.currency", "string_pattern_mismatch"),
        ({"order__paid_at": "2026-11-20T09:12:00"}, "order.paid_at", "rfc3339_required"),
        ({"order__paid_at": 1700000000}, "order.paid_at", "rfc3339_required"),
        ({"order__paid_at": "1700000000"}, "order.paid_at", "rfc3339_required"),
        ({"order__delivered_at": 1700000000.5}, "order.delivered_at", "rfc3339_required"),
        ({"order__paid_at": "2026-11-20"}, "order.paid_at", "rfc3339_required"),
        ({"submitted_at": "2026-11-20 09:12:00+08:00"}, "submitted_at", "rfc3339_required"),
        ({"submitted_at": "yesterday"}, "submitted_at", "rfc3339_required"),
        (
            {"submitted_at": "2026-02-30T09:12:00+08:00"},
            "submitted_at",
            "datetime_from_date_parsing",
        ),
        ({"category": "weather"}, "category", "enum"),
        ({"requested_remedy": "apology"}, "requested_remedy", "literal_error"),
    ],
)
def test_bad_fields_are_named_with_their_rule(
    overrides: dict[str, Any], path: str, rule: str
) -> None:
    assert errors_of(complaint_payload(**overrides)).get(path) == rule


def test_evidence_content_type_must_fit_the_kind() -> None:
    payload = complaint_payload()
    payload["evidence"][0]["content_type"] = "application/pdf"
    assert errors_of(payload) == {"evidence.0.content_type": "content_type_not_allowed_for_kind"}


def test_every_failing_field_is_reported_at_once() -> None:
    errors = errors_of(complaint_payload(title="", claimed_amount_cents=-5, source="X"))
    assert set(errors) == {"title", "claimed_amount_cents", "source"}


def test_fingerprint_is_stable_and_sensitive() -> None:
    a = parse_complaint(complaint_payload()).fingerprint()
    assert a == parse_complaint(complaint_payload()).fingerprint()
    assert a != parse_complaint(complaint_payload(title="other")).fingerprint()


def test_json_text_is_accepted() -> None:
    import json

    assert parse_complaint(json.dumps(complaint_payload())).buyer_id == "b_10293"


def test_future_timestamps_and_nul_in_any_text_are_refused() -> None:
    assert errors_of(complaint_payload(submitted_at="2099-01-01T00:00:00+00:00")) == {
        "submitted_at": "in_future"
    }
    assert errors_of(complaint_payload(order__sku="a\x00b")) == {"order.sku": "nul_character"}
