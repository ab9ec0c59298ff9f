"""Rows passed to PostgreSQL as one JSON array (read by `jsonb_populate_recordset`): many
rows of a table in one parameter, so one statement writes them all."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from psycopg.types.json import Jsonb


def json_rows(rows: list[dict[str, Any]]) -> Jsonb:
    return Jsonb(rows, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        # In UTC: PostgreSQL refuses offsets past ±15:59 that RFC 3339 (and Python) allow.
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    return str(value)
