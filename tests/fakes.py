"""In-memory fakes of the I/O interfaces, for unit tests of pure logic only."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.adapters.evidence_store import ObjectFacts, R, T


@dataclass
class FakeEvidenceStore:
    objects: dict[str, bytes] = field(default_factory=dict)
    with_checksum: set[str] = field(default_factory=set)
    streamed: list[str] = field(default_factory=list)

    def put(self, key: str, body: bytes, checksum: bool = False) -> None:
        self.objects[key] = body
        if checksum:
            self.with_checksum.add(key)

    def inspect(self, key: str, head_bytes: int) -> ObjectFacts | None:
        body = self.objects.get(key)
        if body is None:
            return None
        sha = hashlib.sha256(body).hexdigest() if key in self.with_checksum else None
        return ObjectFacts(size=len(body), head=body[:head_bytes], sha256_hex=sha)

    def sha256_hex(self, key: str) -> str:
        self.streamed.append(key)
        return hashlib.sha256(self.objects[key]).hexdigest()

    def each(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return [fn(item) for item in items]


@dataclass
class FakeNotifier:
    delivered: list[dict[str, Any]] = field(default_factory=list)

    def deliver(self, notification: dict[str, Any]) -> None:
        self.delivered.append(notification)
