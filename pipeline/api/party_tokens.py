"""Party tokens: short-lived signed JWTs naming the person who acts (buyer, merchant, staff).

The marketplace's login issues them in production; the gateway only verifies them: issuer,
audience, expiry, and a key chosen by the token's `kid` from a JWKS (so keys rotate by
publishing the next one beside the current), with an allow-list of algorithms (never
`none`). Locally `complaints tokens keygen` makes a key set and `complaints tokens mint`
signs with it."""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from pipeline.api.caller import Caller
from pipeline.domain.text import text

ALGORITHMS = frozenset({"ES256", "RS256", "EdDSA", "HS256"})
ROLES = ("buyer", "merchant", "staff")
GRANTS = frozenset({"review", "arbitrate", "supervise", "operate"})
#: Staff grants that decide platform actions (act:platform); `operate` is for operators.
PLATFORM_GRANTS = frozenset({"review", "arbitrate", "supervise"})
ROLE_SCOPES = {
    "buyer": frozenset({"read", "act:buyer"}),
    "merchant": frozenset({"read", "act:merchant"}),
    "staff": frozenset({"read"}),
}
_PARTY_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
LEEWAY_SECONDS = 30


class PartyTokenError(ValueError):
    """Why a party token was refused (said to the caller: no secrets in it)."""


def load_jwks(spec: str) -> dict[str, Any]:
    """A JWKS from its JSON text, or from a file named as `@path`."""
    text = Path(spec[1:]).read_text(encoding="utf-8") if spec.startswith("@") else spec
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError('a JWKS is {"keys": [...]}')
    return data


@dataclass(frozen=True)
class PartyTokens:
    keys: dict[str, jwt.PyJWK]
    issuer: str
    audience: str

    @classmethod
    def from_jwks(cls, jwks: dict[str, Any], issuer: str, audience: str) -> PartyTokens:
        keys = {}
        for raw in jwks["keys"]:
            kid, alg = raw.get("kid"), raw.get("alg")
            if not kid or alg not in ALGORITHMS:
                raise ValueError(f"every key needs a kid and an alg among {sorted(ALGORITHMS)}")
            keys[str(kid)] = jwt.PyJWK(raw)
        return cls(keys, issuer, audience)

    def verify(self, token: str) -> Caller:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise PartyTokenError(text("not a JWT")) from None
        key = self.keys.get(str(kid))
        if key is None:
            raise PartyTokenError(text("unknown key id (kid)"))
        try:
            claims = jwt.decode(
                token,
                key=_verifying_key(key),
                algorithms=[key.algorithm_name],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise PartyTokenError(text("the party token has expired")) from None
        except jwt.PyJWTError as exc:
            reason = type(exc).__name__
            raise PartyTokenError(text("invalid party token ({reason})", reason=reason)) from None
        return caller_from_claims(claims)

    def mint(
        self,
        role: str,
        sub: str,
        grants: frozenset[str] = frozenset(),
        ttl_seconds: int = 3600,
        kid: str | None = None,
    ) -> str:
        kid = kid or next(iter(self.keys))
        key = self.keys[kid]
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub,
            "role": role,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        if grants:
            claims["grants"] = sorted(grants)
        caller_from_claims(claims)  # refuse to sign what would not verify
        return jwt.encode(claims, key.key, algorithm=key.algorithm_name, headers={"kid": kid})


def _verifying_key(key: jwt.PyJWK) -> Any:
    """The public half of a private key (a local key set holds both)."""
    public = getattr(key.key, "public_key", None)
    return public() if callable(public) else key.key


def caller_from_claims(claims: dict[str, Any]) -> Caller:
    role, sub = claims.get("role"), claims.get("sub")
    if role not in ROLES:
        raise PartyTokenError(text("role must be one of {roles}", roles=", ".join(ROLES)))
    if not isinstance(sub, str) or not _PARTY_ID.match(sub):
        raise PartyTokenError(text("sub must be 1-128 characters of [A-Za-z0-9_.:-]"))
    grants = frozenset(claims.get("grants") or ())
    if role != "staff" and grants:
        raise PartyTokenError(text("only staff tokens carry grants"))
    if not grants <= GRANTS:
        raise PartyTokenError(
            text("grants must be among {grants}", grants=", ".join(sorted(GRANTS)))
        )
    scopes = ROLE_SCOPES[role] | ({"act:platform"} if grants & PLATFORM_GRANTS else set())
    return Caller(f"{role}:{sub}", frozenset(scopes), role=role, party_id=sub, grants=grants)


def new_key_set(alg: str = "ES256") -> dict[str, Any]:
    """A JWKS of one new private key (local use: the gateway verifies with its public half)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    if alg != "ES256":
        raise ValueError("keygen makes ES256 keys")
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private))
    kid = time.strftime("local-%Y%m%d-") + uuid.uuid4().hex[:6]
    return {"keys": [{**jwk, "kid": kid, "alg": alg, "use": "sig"}]}
