"""Party tokens verify issuer, audience, expiry and the key named by `kid`; anything else is
refused with a reason that names no secret."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest

from pipeline.api.party_tokens import (
    PartyTokenError,
    PartyTokens,
    caller_from_claims,
    new_key_set,
)

ISSUER, AUDIENCE = "login.example", "complaints-api"


def tokens(*key_sets: dict[str, Any]) -> PartyTokens:
    keys = [k for ks in key_sets for k in ks["keys"]]
    return PartyTokens.from_jwks({"keys": keys}, ISSUER, AUDIENCE)


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "m_552",
        "role": "merchant",
        "iat": now,
        "exp": now + 600,
    }
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def signed(key_set: dict[str, Any], body: dict[str, Any], **headers: Any) -> str:
    jwk = jwt.PyJWK(key_set["keys"][0])
    kid = key_set["keys"][0]["kid"]
    return jwt.encode(body, jwk.key, algorithm="ES256", headers={"kid": kid, **headers})


def test_minted_tokens_verify_as_the_person() -> None:
    issuer = tokens(new_key_set())
    caller = issuer.verify(issuer.mint("staff", "s_7", frozenset({"review", "arbitrate"})))
    assert (caller.name, caller.role, caller.party_id) == ("staff:s_7", "staff", "s_7")
    assert caller.grants == {"review", "arbitrate"}
    assert caller.scopes == {"read", "act:platform"}
    merchant = issuer.verify(issuer.mint("merchant", "m_552"))
    assert merchant.scopes == {"read", "act:merchant"} and merchant.is_party
    operator = issuer.verify(issuer.mint("staff", "s_8", frozenset({"operate"})))
    assert operator.scopes == {"read"}


def test_keys_rotate_by_kid() -> None:
    old, new = new_key_set(), new_key_set()
    both = tokens(old, new)
    assert both.verify(signed(old, claims())).party_id == "m_552"
    assert both.verify(signed(new, claims())).party_id == "m_552"
    with pytest.raises(PartyTokenError, match="unknown key id"):
        tokens(new).verify(signed(old, claims()))


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": -120}, "expired"),
        ({"aud": "someone-else"}, "InvalidAudienceError"),
        ({"iss": "evil.example"}, "InvalidIssuerError"),
        ({"exp": None}, "MissingRequiredClaimError"),
        ({"role": "admin"}, "role must be one of"),
        ({"sub": "m 552"}, "sub must be"),
        ({"grants": ["review"]}, "only staff tokens carry grants"),
        ({"role": "staff", "grants": ["god"]}, "grants must be among"),
    ],
)
def test_bad_claims_are_refused(overrides: dict[str, Any], reason: str) -> None:
    """Claims are made when the test runs (a token made at collection could have expired)."""
    if overrides.get("exp") is not None:
        overrides = {**overrides, "exp": int(time.time()) + overrides["exp"]}
    key_set = new_key_set()
    with pytest.raises(PartyTokenError, match=reason):
        tokens(key_set).verify(signed(key_set, claims(**overrides)))


def test_a_forged_signature_or_alg_none_is_refused() -> None:
    key_set, other = new_key_set(), new_key_set()
    forged = signed({"keys": [{**other["keys"][0], "kid": key_set["keys"][0]["kid"]}]}, claims())
    with pytest.raises(PartyTokenError, match="InvalidSignatureError"):
        tokens(key_set).verify(forged)
    unsigned = jwt.encode(
        claims(), None, algorithm="none", headers={"kid": key_set["keys"][0]["kid"]}
    )
    with pytest.raises(PartyTokenError):
        tokens(key_set).verify(unsigned)
    with pytest.raises(PartyTokenError, match="not a JWT"):
        tokens(key_set).verify("a.b.c")


def test_key_sets_name_kid_and_an_allowed_alg() -> None:
    key = new_key_set()["keys"][0]
    with pytest.raises(ValueError, match="kid and an alg"):
        PartyTokens.from_jwks({"keys": [{**key, "alg": "none"}]}, ISSUER, AUDIENCE)
    with pytest.raises(ValueError, match="kid and an alg"):
        PartyTokens.from_jwks(
            {"keys": [{k: v for k, v in key.items() if k != "kid"}]}, ISSUER, AUDIENCE
        )
    assert json.loads(json.dumps(new_key_set()))["keys"][0]["alg"] == "ES256"


def test_claims_map_to_callers_without_a_token() -> None:
    buyer = caller_from_claims({"role": "buyer", "sub": "b_1"})
    assert buyer.scopes == {"read", "act:buyer"} and buyer.grants == frozenset()
