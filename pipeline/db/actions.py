"""Party actions' idempotency records (table `actions`): a caller's key claimed for one
request, its result kept for replays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from pipeline.db.gateway import Db, Row, one, run
from pipeline.db.json_rows import dumps


@dataclass(frozen=True)
class RecordedAction:
    complaint_id: str
    action: str
    actor_role: str
    actor_id: str
    request: dict[str, Any] | None  # None: kept before requests were
    result: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: Row) -> RecordedAction:
        return cls(
            complaint_id=row["complaint_id"],
            action=row["action"],
            actor_role=row["actor_role"],
            actor_id=row["actor_id"],
            request=row["request"],
            result=row["result"],
        )


def claim(
    db: Db,
    *,
    caller: str,
    key: str,
    complaint_id: str,
    action: str,
    role: str,
    actor_id: str,
    request: dict[str, Any],
) -> bool:
    """Claim the caller's key for this request; False when it was claimed before."""
    params = {
        "caller": caller,
        "key": key,
        "complaint_id": complaint_id,
        "action": action,
        "role": role,
        "actor_id": actor_id,
        "request": Jsonb(request, dumps=dumps),
    }
    return one(db, "record_action", params) is not None


def recorded(db: Db, caller: str, key: str) -> RecordedAction | None:
    row = one(db, "recorded_action", {"caller": caller, "key": key})
    return RecordedAction.from_row(row) if row else None


def keep_result(db: Db, caller: str, key: str, seq: int | None, result: dict[str, Any]) -> None:
    params = {"caller": caller, "key": key, "seq": seq, "result": Jsonb(result, dumps=dumps)}
    run(db, "set_action_result", params)
