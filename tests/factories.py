"""Hand-built complaint payloads for unit and integration tests."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 500
CHAT = "买家: 你好 / hello\n".encode() * 20


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def complaint_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "schema": "complaint.v1",
        "source": "tmall-app",
        "external_id": "c-20261129-0001",
        "submitted_at": "2026-11-29T10:00:00+08:00",
        "buyer_id": "b_10293",
        "merchant_id": "m_552",
        "order": {
            "order_id": "o_88121",
            "item_id": "i_7",
            "sku": "sku-7-red",
            "amount_cents": 12900,
            "currency": "CNY",
            "paid_at": "2026-11-20T09:12:00+08:00",
            "delivered_at": "2026-11-23T15:40:00+08:00",
        },
        "category": "product_quality",
        "title": "屏幕有坏点",
        "description": "收到的显示器右上角有三个坏点，附照片和开箱视频。",
        "requested_remedy": "return_and_refund",
        "claimed_amount_cents": 12900,
        "evidence": [
            {
                "key": "evidence/b_10293/9f2c.jpg",
                "kind": "photo",
                "content_type": "image/jpeg",
                "size": len(JPEG),
                "sha256": sha(JPEG),
            }
        ],
    }
    result = copy.deepcopy(payload)
    for dotted, value in overrides.items():
        target = result
        *parents, leaf = dotted.split("__")
        for p in parents:
            target = target[p]
        target[leaf] = value
    return result
