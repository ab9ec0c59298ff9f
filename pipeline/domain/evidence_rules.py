"""Evidence rules as data: key confinement, size limits, file signatures, per-category needs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pipeline.domain.status import Category, EvidenceKind, Verdict
from schemas.categories import CATEGORIES

MAX_ITEMS = 20
MB = 1024 * 1024
SIZE_LIMITS: dict[EvidenceKind, int] = {
    EvidenceKind.PHOTO: 10 * MB,
    EvidenceKind.VIDEO: 200 * MB,
}
DEFAULT_SIZE_LIMIT = 20 * MB
HEAD_BYTES = 512

#: At least one ok item of a kind in each group (the category table).
REQUIREMENTS: dict[Category, tuple[frozenset[EvidenceKind], ...]] = {
    Category(row.name): row.evidence for row in CATEGORIES
}


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte char cut at the end of the head is fine
        return exc.start >= len(head) - 3
    return True


def _is_json(head: bytes) -> bool:
    stripped = head.lstrip(b" \t\r\n\xef\xbb\xbf")
    return stripped[:1] in (b"{", b"[") and _is_text(head)


#: First-bytes signature test per declared content type.
SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "image/jpeg": lambda h: h.startswith(b"\xff\xd8\xff"),
    "image/png": lambda h: h.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/webp": lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP",
    "video/mp4": lambda h: h[4:8] == b"ftyp",
    "video/quicktime": lambda h: h[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free"),
    "application/pdf": lambda h: h.startswith(b"%PDF-"),
    "text/plain": _is_text,
    "application/json": _is_json,
}


def key_allowed(key: str, submitter_id: str) -> bool:
    """Keys must sit under evidence/<submitter_id>/, with no traversal or odd segments."""
    prefix = f"evidence/{submitter_id}/"
    if not key.startswith(prefix) or len(key) == len(prefix):
        return False
    segments = key.split("/")
    return "\\" not in key and all(s not in ("", ".", "..") for s in segments)


def size_limit(kind: EvidenceKind) -> int:
    return SIZE_LIMITS.get(kind, DEFAULT_SIZE_LIMIT)


def signature_matches(content_type: str, head: bytes) -> bool:
    check = SIGNATURES.get(content_type)
    return bool(check and check(head))


@dataclass(frozen=True)
class ItemCheck:
    verdict: Verdict
    detail: str


def unmet_requirements(category: Category, ok_kinds: Iterable[EvidenceKind]) -> list[list[str]]:
    """Each unmet requirement as the sorted list of kinds that would satisfy it."""
    have = set(ok_kinds)
    return [sorted(k.value for k in group) for group in REQUIREMENTS[category] if not have & group]
