"""A lean HTTP/1.1 load generator: N keep-alive connections, pre-encoded requests.

A general-purpose client (httpx, requests) costs more CPU per request than the gateway
does to answer it; on a 2-core machine that would measure the client. This one writes
ready-made bytes and reads the answer by Content-Length, nothing more."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    statuses: dict[int, int]
    first_error: str | None


def encode_post(path: str, body: Any, headers: dict[str, str]) -> bytes:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append(f"Content-Length: {len(data)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + data


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def _run(
    port: int, requests: list[bytes], connections: int
) -> tuple[float, dict[int, int], str | None]:
    items: Iterator[bytes] = iter(requests)
    statuses: dict[int, int] = {}
    errors: list[str] = []

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for raw in items:
                writer.write(raw)
                status, body = await _read_response(reader)
                statuses[status] = statuses.get(status, 0) + 1
                if status >= 300 and not errors:
                    errors.append(f"{status}: {body[:300].decode(errors='replace')}")
        finally:
            writer.close()

    t0 = time.monotonic()
    await asyncio.gather(*(client() for _ in range(connections)))
    return time.monotonic() - t0, statuses, errors[0] if errors else None


def post_all(port: int, requests: list[bytes], connections: int) -> LoadResult:
    """Send every request over `connections` concurrent keep-alive connections."""
    seconds, statuses, error = asyncio.run(_run(port, requests, connections))
    return LoadResult(len(requests), seconds, statuses, error)
