"""Domain errors: each names what was wrong and the rule it broke."""

from __future__ import annotations


class DomainError(Exception):
    """Base class for errors a caller can act on."""


class IllegalTransition(DomainError):
    def __init__(self, status: str, event: str, allowed: list[str]) -> None:
        self.status = status
        self.event = event
        self.allowed = allowed
        listed = ", ".join(allowed) if allowed else "none (terminal)"
        super().__init__(
            f"event {event!r} is not allowed in status {status!r}; allowed events: {listed}"
        )


class ForbiddenActor(DomainError):
    def __init__(self, event: str, role: str, allowed_roles: list[str]) -> None:
        self.event = event
        self.role = role
        super().__init__(
            f"role {role!r} may not trigger {event!r}; allowed roles: {', '.join(allowed_roles)}"
        )


class NotFound(DomainError):
    pass


class ActionRefused(DomainError):
    """A party action that may not happen now; nothing was changed."""

    def __init__(
        self, code: str, message: str, allowed: dict[str, list[str]] | None = None
    ) -> None:
        self.code = code
        self.allowed = allowed or {}
        now = "; ".join(f"{role}: {', '.join(a) or '-'}" for role, a in self.allowed.items())
        super().__init__(f"{message}" + (f" (allowed now: {now})" if now else ""))
