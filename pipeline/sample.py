"""Realistic sample complaints with real evidence files, each labelled with the outcome its
construction implies (the tests compare against these labels, not against the code)."""

from __future__ import annotations

import base64
import hashlib
import json
import random
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pipeline.domain.evidence_rules import REQUIREMENTS
from pipeline.domain.status import Category, EvidenceKind
from schemas.categories import POLICIES

#: Categories review does not flag for a person (counterfeit's every complaint is flagged).
_UNFLAGGED = [c for c in Category if not POLICIES[c].review_flag]
TITLES = [
    ("屏幕有坏点", "收到的显示器右上角有三个坏点，附照片和开箱视频。"),
    ("Wrong colour delivered", "Ordered the red one, received blue. Photos attached."),
    ("客服态度恶劣", "客服拒绝回答问题并且挂断电话，附聊天记录。"),
    ("Parcel arrived crushed", "The box was crushed and the item inside is bent."),
    ("疑似假货", "商品做工粗糙，与官方正品对比差异明显，附鉴定报告。"),
    ("Price changed after order", "Seller raised the price after I paid and asked for more."),
    ("物流信息长时间未更新", "快递十天没有更新，商家不回复。"),
    ("Not as described", "Listing says 100% cotton; the label says polyester."),
]

#: Bytes that a file of each content type starts with.
MAGIC = {
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 ",
    "video/mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00",
    "video/quicktime": b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00",
    "application/pdf": b"%PDF-1.7\n",
}
KIND_TYPES = {
    EvidenceKind.PHOTO: ["image/jpeg", "image/png", "image/webp"],
    EvidenceKind.VIDEO: ["video/mp4", "video/quicktime"],
}
DOC_TYPES = ["application/pdf", "text/plain", "application/json"]

CASES_WEIGHTED: list[tuple[str, int]] = [
    ("valid", 40),
    ("flagged_amount", 3),
    ("not_paid", 3),
    ("window_expired", 3),
    ("amount_exceeds", 3),
    ("same_party", 2),
    ("duplicate", 4),
    ("missing", 4),
    ("wrong_size", 4),
    ("wrong_hash", 4),
    ("wrong_magic", 4),
    ("other_buyer_key", 3),
    ("traversal", 3),
    ("too_many", 2),
    ("too_large", 3),
    ("missing_required", 4),
    ("invalid_schema", 3),
]
EVIDENCE_CASES = {
    "missing": "missing",
    "wrong_size": "size_mismatch",
    "wrong_hash": "hash_mismatch",
    "wrong_magic": "type_mismatch",
    "other_buyer_key": "forbidden_key",
    "traversal": "forbidden_key",
    "too_large": "too_large",
}
REJECT_CASES = {
    "not_paid": "not_paid",
    "window_expired": "window_expired",
    "amount_exceeds": "amount_exceeds_order",
    "same_party": "same_party",
}


@dataclass
class Upload:
    key: str
    body: bytes
    with_checksum: bool


@dataclass
class Sample:
    payload: dict[str, Any]
    case: str
    expected_status: str | None  # None: quarantined, never a complaint
    expected_reason: str | None = None
    expected_verdicts: dict[int, str] = field(default_factory=dict)  # position -> verdict
    expected_missing: list[list[str]] = field(default_factory=list)
    pair: str | None = None  # duplicate pairs share this tag


def file_bytes(rng: random.Random, content_type: str, size: int) -> bytes:
    if content_type == "text/plain":
        line = "买家: 东西坏了 / buyer: it arrived broken\n".encode()
        return (line * (size // len(line) + 1))[:size]
    if content_type == "application/json":
        body = json.dumps({"order": rng.randrange(10**9), "pad": "x" * size}).encode()
        return body[: size - 1] + b"}" if len(body) > size else body
    head = MAGIC[content_type]
    return head + rng.randbytes(size - len(head))


class Generator:
    def __init__(
        self, seed: int, now: datetime, source: str = "sample-gen", id_prefix: str = ""
    ) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.source = source
        self.prefix = id_prefix  # keeps buyers and orders of separate runs apart
        self.uploads: list[Upload] = []
        self.n = 0

    def _item(self, buyer: str, kind: EvidenceKind, **override: Any) -> dict[str, Any]:
        self.n += 1
        ctype = self.rng.choice(KIND_TYPES.get(kind, DOC_TYPES))
        body = file_bytes(self.rng, ctype, self.rng.randrange(600, 4000))
        key = override.pop("key", f"evidence/{buyer}/{self.n:07d}-{kind.value}")
        if override.pop("upload", True):
            self.uploads.append(Upload(key, override.pop("body", body), self.rng.random() < 0.5))
        return {
            "key": key,
            "kind": kind.value,
            "content_type": ctype,
            "size": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
            **override,
        }

    def _valid_evidence(self, buyer: str, category: Category) -> list[dict[str, Any]]:
        groups = REQUIREMENTS[category] or (frozenset({EvidenceKind.PHOTO}),)
        kinds = [self.rng.choice(sorted(g)) for g in groups]
        if len(kinds) < 2:
            kinds.append(EvidenceKind.CHAT_LOG)
        return [self._item(buyer, k) for k in kinds]

    def _base(self, i: int, category: Category) -> dict[str, Any]:
        title, description = self.rng.choice(TITLES)
        delivered = self.now - timedelta(
            days=self.rng.randrange(1, 10), hours=self.rng.randrange(24)
        )
        amount = self.rng.randrange(1_000, 300_000)
        return {
            "schema": "complaint.v1",
            "source": self.source,
            "external_id": f"c-{self.prefix}{i:07d}",
            "submitted_at": self.now.isoformat(),
            "buyer_id": f"b_{self.prefix}{i:07d}",
            "merchant_id": f"m_{self.rng.randrange(200):03d}",
            "order": {
                "order_id": f"o_{self.prefix}{i:07d}",
                "item_id": f"i_{self.rng.randrange(10**5)}",
                "sku": "sku-default",
                "amount_cents": amount,
                "currency": "CNY",
                "paid_at": (delivered - timedelta(days=2)).isoformat(),
                "delivered_at": delivered.isoformat(),
            },
            "category": category.value,
            "title": title,
            "description": description,
            "requested_remedy": self.rng.choice(["refund", "return_and_refund", "exchange"]),
            "claimed_amount_cents": self.rng.randrange(100, amount + 1),
            "evidence": [],
        }

    def sample(self, i: int, case: str) -> list[Sample]:
        category = self.rng.choice(list(Category) if case == "valid" else _UNFLAGGED)
        p = self._base(i, category)
        buyer = p["buyer_id"]
        p["evidence"] = self._valid_evidence(buyer, category)
        status = "in_review" if POLICIES[category].review_flag else "awaiting_merchant"
        if case == "valid":
            return [Sample(p, case, status)]
        if case == "flagged_amount":
            p["order"]["amount_cents"] = 900_000
            p["claimed_amount_cents"] = 800_000
            return [Sample(p, case, "in_review")]
        if case in REJECT_CASES:
            if case == "not_paid":
                p["order"]["paid_at"] = None
                p["order"]["delivered_at"] = None
            elif case == "window_expired":
                delivered = self.now - timedelta(days=120)
                p["order"]["delivered_at"] = delivered.isoformat()
                p["order"]["paid_at"] = (delivered - timedelta(days=2)).isoformat()
            elif case == "amount_exceeds":
                p["claimed_amount_cents"] = p["order"]["amount_cents"] + 1
            else:
                p["merchant_id"] = buyer
            return [Sample(p, case, "rejected", expected_reason=REJECT_CASES[case])]
        if case == "duplicate":
            twin = json.loads(json.dumps(p))
            twin["external_id"] += "-dup"
            twin["evidence"] = self._valid_evidence(buyer, category)
            tag = p["external_id"]
            return [Sample(p, case, status, pair=tag), Sample(twin, case, status, pair=tag)]
        if case in EVIDENCE_CASES:
            p["evidence"].append(self._broken_item(buyer, case))
            verdicts = {len(p["evidence"]) - 1: EVIDENCE_CASES[case]}
            return [Sample(p, case, "awaiting_evidence", expected_verdicts=verdicts)]
        if case == "too_many":
            while len(p["evidence"]) < 21:
                p["evidence"].append(self._item(buyer, EvidenceKind.CHAT_LOG))
            return [Sample(p, case, "awaiting_evidence", expected_verdicts={20: "too_many"})]
        if case == "missing_required":
            p["category"] = "service"  # its row asks for a chat log or service record
            p["evidence"] = [self._item(buyer, EvidenceKind.PHOTO)]
            return [
                Sample(
                    p, case, "awaiting_evidence", expected_missing=[["chat_log", "service_record"]]
                )
            ]
        if case == "invalid_schema":
            p["claimed_amount_cents"] = -5
            p["title"] = ""
            return [Sample(p, case, None)]
        raise ValueError(f"unknown case {case!r}")

    def _broken_item(self, buyer: str, case: str) -> dict[str, Any]:
        kind = EvidenceKind.PHOTO
        if case == "missing":
            return self._item(buyer, kind, upload=False)
        if case == "wrong_size":
            item = self._item(buyer, kind)
            return {**item, "size": item["size"] + 7}
        if case == "wrong_hash":
            return {**self._item(buyer, kind), "sha256": hashlib.sha256(b"other").hexdigest()}
        if case == "wrong_magic":
            body = file_bytes(self.rng, "application/pdf", 900)
            item = self._item(buyer, kind, body=body)
            return {**item, "size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
        if case == "other_buyer_key":
            return self._item(buyer, kind, key=f"evidence/b_other{self.n}/{self.n}.jpg")
        if case == "traversal":
            return self._item(
                buyer, kind, key=f"evidence/{buyer}/../b_victim/{self.n}.jpg", upload=False
            )
        if case == "too_large":
            item = self._item(buyer, kind, upload=False)
            return {**item, "size": 11 * 1024 * 1024}
        raise ValueError(case)

    def valid_payloads(self, count: int) -> list[dict[str, Any]]:
        """`count` in-scope complaints that go straight to the merchant (no counterfeit,
        which review always flags), each with two real evidence objects."""
        out = []
        for i in range(count):
            category = self.rng.choice(_UNFLAGGED)
            p = self._base(i, category)
            p["evidence"] = self._valid_evidence(p["buyer_id"], category)
            out.append(p)
        return out

    def generate(self, count: int) -> list[Sample]:
        names = [c for c, _ in CASES_WEIGHTED]
        weights = [w for _, w in CASES_WEIGHTED]
        out: list[Sample] = []
        i = 0
        # Every case at least once, then weighted draws.
        for case in [*names, *self.rng.choices(names, weights, k=count)]:
            if len(out) >= count:
                break
            out.extend(self.sample(i, case))
            i += 1
        return out  # may hold one more than `count` when a duplicate pair comes last


def upload_all(s3: Any, bucket: str, uploads: Iterable[Upload], threads: int = 16) -> int:
    def put(u: Upload) -> None:
        extra = {}
        if u.with_checksum:
            extra["ChecksumSHA256"] = base64.b64encode(hashlib.sha256(u.body).digest()).decode()
        s3.put_object(Bucket=bucket, Key=u.key, Body=u.body, **extra)

    items = list(uploads)
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(put, items))
    return len(items)
