"""Domain errors: each names what was wrong and the rule it broke."""

from __future__ import annotations

from pipeline.domain.text import Text, text


class DomainError(Exception):
    """Base class for errors a caller can act on."""


def _text(value: object) -> str:
    """An enum member's value, else the value itself: messages never carry Python reprs."""
    return str(getattr(value, "value", value))


class IllegalTransition(DomainError):
    def __init__(self, status: object, event: object, allowed: list[str]) -> None:
        self.status = _text(status)
        self.event = _text(event)
        self.allowed = [_text(a) for a in allowed]
        self.text = text(
            "{event} is not allowed while the complaint is {status}",
            event=self.event,
            status=self.status,
        )
        super().__init__(str(self.text))


class ForbiddenActor(DomainError):
    def __init__(self, event: object, role: object, allowed_roles: list[str]) -> None:
        self.event = _text(event)
        self.role = _text(role)
        roles = ", ".join(_text(r) for r in allowed_roles)
        self.text = text(
            "role {role} may not trigger {event} (only {roles})",
            role=self.role,
            event=self.event,
            roles=roles,
        )
        super().__init__(str(self.text))


class NotFound(DomainError):
    pass


class ActionRefused(DomainError):
    """A party action that may not happen now; nothing was changed."""

    def __init__(
        self, code: str, message: str | Text, allowed: dict[str, list[str]] | None = None
    ) -> None:
        self.code = code
        self.message = message
        self.allowed = allowed or {}
        now = "; ".join(f"{role}: {', '.join(a) or '-'}" for role, a in self.allowed.items())
        super().__init__(f"{message}" + (f" (allowed now: {now})" if now else ""))


class IdempotencyConflict(ActionRefused):
    """An idempotency key reused for a different request; `differences` name what differs."""

    def __init__(self, key: str, differences: list[dict[str, str]]) -> None:
        self.differences = differences
        named = ", ".join(d["path"] for d in differences)
        super().__init__(
            "idempotency_key_reused",
            text(
                "idempotency key {key} was first used for another request ({fields} differ)",
                key=key,
                fields=named,
            ),
        )
