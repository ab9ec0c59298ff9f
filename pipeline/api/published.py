"""The published contract: JSON Schema of every message and the gateway's OpenAPI document.

`complaints schemas export` writes them under schemas/published/; a test fails when the
checked-in copies differ from what the code would publish. It lives beside the gateway, not in
schemas/, because the OpenAPI document is the app's (schemas/ imports no pipeline code)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import schemas
from schemas.action import ActionV1
from schemas.complaint import ComplaintV1

PUBLISHED = Path(schemas.__file__).parent / "published"


def documents() -> dict[str, Any]:
    from pipeline.api.app import create_app
    from pipeline.settings import Settings

    return {
        "complaint.v1.schema.json": ComplaintV1.model_json_schema(by_alias=True),
        "action.v1.schema.json": ActionV1.model_json_schema(by_alias=True),
        "openapi.json": create_app(Settings()).openapi(),
    }


def render(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export(directory: Path = PUBLISHED) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in documents().items():
        path = directory / name
        path.write_text(render(document), encoding="utf-8")
        written.append(path)
    return written


def stale(directory: Path = PUBLISHED) -> list[str]:
    """Names of published files that are missing or differ from the code's contract."""
    return [
        name
        for name, document in documents().items()
        if not (directory / name).exists()
        or (directory / name).read_text(encoding="utf-8") != render(document)
    ]
