"""Named SQL queries loaded from queries.sql (`-- name: x` blocks), parameterised only."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import LiteralString, cast

_FILE = Path(__file__).with_name("queries.sql")
_HEADER = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)


@cache
def _load() -> dict[str, str]:
    text = _FILE.read_text(encoding="utf-8")
    parts = _HEADER.split(text)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def q(name: str) -> LiteralString:
    """The query called `name`; raises KeyError for an unknown name."""
    return cast(LiteralString, _load()[name])  # type: ignore[redundant-cast]
