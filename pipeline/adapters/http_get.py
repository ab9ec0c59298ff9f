"""The evidence stage's ranged GETs through urllib3's kept-alive connection pool, with
what S3 reads need on top: control characters refused before anything is sent, and a
body read up to the caller's limit at most (past it the connection is dropped, so a
server that ignores Range never makes it read a whole large object).

Any failure (connect, TLS, timeout, an answer that is not HTTP) raises HttpError; urllib3
retries nothing here, the caller decides (pipeline.adapters.s3_range)."""

from __future__ import annotations

import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

import urllib3
from urllib3.exceptions import ConnectTimeoutError
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.util.retry import Retry

#: Connections kept per process: the evidence reads of one worker's threads at once.
POOL_SIZE = 16
#: `retries=False` as urllib3 spells it, built once (urllib3 would build one per request).
NO_RETRIES = Retry(False, redirect=None)

#: A request target: visible ASCII only (no CR, LF, space or other control character).
_TARGET = re.compile(r"[\x21-\x7e]+")
_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # an RFC 9110 token
_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")  # no CR, LF, NUL or other control


class HttpError(Exception):
    """The connection failed or the server's answer was not HTTP/1.x."""


class UnsafeRequest(ValueError):
    """A request target or header that would split or smuggle a request."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes
    truncated: bool = False  # the body went on past `max_body`; the connection was dropped


def _check(target: str, headers: Mapping[str, str]) -> None:
    if not _TARGET.fullmatch(target):
        raise UnsafeRequest(f"request target with a control character or space: {target!r}")
    for name, value in headers.items():
        if not _NAME.fullmatch(name) or not _VALUE.fullmatch(value):
            raise UnsafeRequest(f"header {name!r} has a character not allowed there")


class KeptAliveGet:
    """GETs to one origin (`http://host:port` or `https://…`) over a urllib3 pool."""

    def __init__(
        self,
        scheme: str,
        host: str,
        port: int,
        connect_timeout: float,
        read_timeout: float,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """For https, `tls` defaults to the system's trusted CAs with hostname checks."""
        if scheme not in ("http", "https"):
            raise ValueError(f"unsupported scheme {scheme!r}")
        self.host, self.port = host, port
        timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self.pool: urllib3.HTTPConnectionPool
        if scheme == "https":
            self.pool = urllib3.HTTPSConnectionPool(
                host,
                port,
                maxsize=POOL_SIZE,
                timeout=timeout,
                retries=False,
                ssl_context=tls or ssl.create_default_context(),
            )
        else:
            self.pool = urllib3.HTTPConnectionPool(
                host, port, maxsize=POOL_SIZE, timeout=timeout, retries=False
            )

    @property
    def origin(self) -> str:
        return f"{self.host}:{self.port}"

    def get(self, target: str, headers: Mapping[str, str], max_body: int | None = None) -> Response:
        """`target` is the request path (already quoted); `headers` must include Host.
        At most `max_body` bytes of the body are read (`truncated` says there were more)."""
        _check(target, headers)
        try:
            answer = self.pool.urlopen(
                "GET",
                target,
                headers=dict(headers),
                retries=NO_RETRIES,
                redirect=False,
                preload_content=False,
                decode_content=False,
                assert_same_host=False,
            )
        except ConnectTimeoutError as exc:  # NewConnectionError too: refused, unresolvable
            raise HttpError(f"could not connect to {self.origin}: {exc!r}") from exc
        except Urllib3Error as exc:
            raise HttpError(f"GET from {self.origin} failed: {exc!r}") from exc
        try:
            body = answer.read(max_body + 1) if max_body is not None else answer.read()
        except Urllib3Error as exc:
            answer.close()
            answer.release_conn()  # its slot back to the pool; the closed socket is replaced
            raise HttpError(f"GET from {self.origin} failed: {exc!r}") from exc
        truncated = max_body is not None and len(body) > max_body
        if truncated:
            answer.close()  # drop the connection rather than read the rest
            body = body[:max_body]
        answer.release_conn()
        return Response(
            answer.status, {k.lower(): v for k, v in answer.headers.items()}, body, truncated
        )

    def close(self) -> None:
        """Close every kept connection."""
        self.pool.close()
