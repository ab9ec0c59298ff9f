from __future__ import annotations

from pipeline.api.published import stale


def test_checked_in_contract_is_current() -> None:
    assert stale() == [], "run `complaints schemas export` and commit schemas/published/"


def test_single_submissions_are_documented_from_their_endpoint() -> None:
    from pipeline.api.app import create_app
    from pipeline.api.submit_endpoint import ERRORS, KEY_RULE
    from pipeline.settings import Settings

    document = create_app(Settings()).openapi()
    operation = document["paths"]["/v1/complaints"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ComplaintV1"}
    schemas = document["components"]["schemas"]
    assert schemas["ComplaintV1"]["additionalProperties"] is False
    assert {"schema", "source", "external_id", "order"} <= set(schemas["ComplaintV1"]["required"])
    accepted = operation["responses"]["202"]["content"]["application/json"]["schema"]
    assert accepted == {"$ref": "#/components/schemas/Accepted"}
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    errors = {s: r for s, r in operation["responses"].items() if int(s) >= 400}
    assert set(errors) == {str(s) for s in (*ERRORS, 500, 503)}
    assert all(r["content"] == problem and r["description"] for r in errors.values())
    (key,) = operation["parameters"]
    assert (key["in"], key["name"]) == ("header", "idempotency-key")
    assert key["schema"]["anyOf"][0] == KEY_RULE.json_schema()["anyOf"][0]
    assert operation["security"] == [{"HTTPBearer": []}]
    assert "HTTPBearer" in document["components"]["securitySchemes"]
