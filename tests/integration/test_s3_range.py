"""The evidence stage's lean signed GET against real SeaweedFS (SigV4 enforced)."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from pipeline.adapters.evidence_store import S3EvidenceStore
from pipeline.adapters.s3 import make_s3_client
from pipeline.adapters.s3_range import EMPTY, S3RangeReader, S3ReadError
from pipeline.settings import Settings

pytestmark = pytest.mark.integration

AWKWARD_KEYS = [
    "evidence/b_1/plain.jpg",
    "evidence/b_1/照片 开箱 (1).jpg",
    "evidence/b_1/a+b=c&d;e,f@g$h'i!~*.pdf",
    "evidence/b_1/percent%20literal#hash?.txt",
]


@pytest.mark.parametrize("key", AWKWARD_KEYS)
def test_signed_range_read_of_awkward_keys(settings: Settings, key: str) -> None:
    body = b"\x89PNG" + key.encode() * 50
    make_s3_client(settings).put_object(Bucket=settings.s3_bucket, Key=key, Body=body)
    reader = S3RangeReader(settings)
    whole = reader.read_range(key, 0, 1024 * 1024)
    assert whole is not None and (whole.body, whole.total_size) == (body, len(body))
    part = reader.read_range(key, 0, 3)
    assert part is not None and (part.body, part.total_size) == (b"\x89PNG", len(body))


def test_missing_empty_and_unauthorised(settings: Settings) -> None:
    s3 = make_s3_client(settings)
    s3.put_object(Bucket=settings.s3_bucket, Key="evidence/b_1/empty.txt", Body=b"")
    reader = S3RangeReader(settings)
    assert reader.read_range("evidence/b_1/absent.jpg", 0, 99) is None
    assert reader.read_range("evidence/b_1/empty.txt", 0, 99) == EMPTY
    forged = S3RangeReader(replace(settings, s3_secret_key="not-the-secret"))
    with pytest.raises(S3ReadError) as refused:  # never mistaken for "missing"
        forged.read_range("evidence/b_1/absent.jpg", 0, 99)
    assert refused.value.status == 403


def test_evidence_reads_overlap_and_keep_their_order(settings: Settings) -> None:
    s3 = make_s3_client(settings)
    keys = [f"evidence/b_each/{n}.txt" for n in range(12)]
    for n, key in enumerate(keys):
        s3.put_object(Bucket=settings.s3_bucket, Key=key, Body=b"x" * (n + 1))
    store = S3EvidenceStore(settings, s3)
    threads: set[str] = set()

    def size(key: str) -> int | None:
        threads.add(threading.current_thread().name)
        facts = store.inspect(key, 4)
        return None if facts is None else facts.size

    assert store.each(size, [*keys, "evidence/b_each/none"]) == [*range(1, 13), None]
    assert len(threads) > 1 and all(t.startswith("s3-read") for t in threads)

    def fail_on_third(key: str) -> int | None:
        if key == keys[2]:
            raise RuntimeError("read failed")
        return size(key)

    with pytest.raises(RuntimeError, match="read failed"):
        store.each(fail_on_third, keys)
