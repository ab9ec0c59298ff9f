"""The authenticated caller of a request."""

from __future__ import annotations

from dataclasses import dataclass

#: What a caller's token may allow.
SCOPES = frozenset({"ingest", "read", "act:buyer", "act:merchant", "act:platform"})


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: `name` keys what belongs to it (its idempotency keys).

    API clients (upstream systems, tools) have scopes and no party; a person signed in with
    a party token has a `role` (buyer, merchant, staff), their own id as `party_id`, and,
    for staff, `grants` (review, arbitrate, supervise, operate)."""

    name: str
    scopes: frozenset[str]
    role: str | None = None
    party_id: str | None = None
    grants: frozenset[str] = frozenset()

    @property
    def is_party(self) -> bool:
        return self.role in ("buyer", "merchant")
