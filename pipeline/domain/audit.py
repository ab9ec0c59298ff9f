"""The audit chain: each event's hash covers the previous hash and its own canonical content,
so editing, removing or reordering any event breaks every hash after it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical(event: dict[str, Any]) -> bytes:
    created: datetime = event["created_at"]
    return json.dumps(
        {
            "complaint_id": str(event["complaint_id"]),
            "seq": event["seq"],
            "event": str(event["event"]),
            "from_status": _text(event["from_status"]),
            "to_status": str(event["to_status"]),
            "actor_role": str(event["actor_role"]),
            "actor_id": event["actor_id"],
            "data": event["data"],
            "created_at": created.astimezone(UTC).isoformat(timespec="microseconds"),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    ).encode()


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def link(prev_hash: str | None, event: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash or GENESIS).encode() + canonical(event)).hexdigest()
