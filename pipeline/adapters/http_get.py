"""The evidence stage's ranged GETs through the standard library's HTTP client
(http.client), one kept-alive connection per thread, with what S3 reads need on top:
control characters refused before anything is sent, and a body read up to the caller's
limit at most (past it the connection is dropped, so a server that ignores Range never
makes it read a whole large object).

Any failure (connect, TLS, timeout, an answer that is not HTTP) raises HttpError; nothing
is retried here, the caller decides (pipeline.adapters.s3_range). http.client rather than
urllib3: the same parser underneath, without urllib3's pool and response layers and
their CPU per GET (docs/performance.md)."""

from __future__ import annotations

import http.client
import re
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass

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
    headers: http.client.HTTPMessage  # looked up by name in any case
    body: bytes
    truncated: bool = False  # the body went on past `max_body`; the connection was dropped


def _check(target: str, headers: Mapping[str, str]) -> None:
    if not _TARGET.fullmatch(target):
        raise UnsafeRequest(f"request target with a control character or space: {target!r}")
    for name, value in headers.items():
        if not _NAME.fullmatch(name) or not _VALUE.fullmatch(value):
            raise UnsafeRequest(f"header {name!r} has a character not allowed there")


class KeptAliveGet:
    """GETs to one origin (`http://host:port` or `https://…`), one kept connection per
    thread."""

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
        self.scheme, self.host, self.port = scheme, host, port
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.tls = (tls or ssl.create_default_context()) if scheme == "https" else None
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    @property
    def origin(self) -> str:
        return f"{self.host}:{self.port}"

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self.tls is not None:
                conn = http.client.HTTPSConnection(
                    self.host, self.port, timeout=self.connect_timeout, context=self.tls
                )
            else:
                conn = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.connect_timeout
                )
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        if conn.sock is None:
            try:
                conn.connect()
            except OSError as exc:  # refused, unresolvable, connect timeout, TLS
                conn.close()
                raise HttpError(f"could not connect to {self.origin}: {exc!r}") from exc
            assert conn.sock is not None
            conn.sock.settimeout(self.read_timeout)  # connected: reads wait this long
        return conn

    def get(self, target: str, headers: Mapping[str, str], max_body: int | None = None) -> Response:
        """`target` is the request path (already quoted); `headers` must include Host.
        At most `max_body` bytes of the body are read (`truncated` says there were more)."""
        _check(target, headers)
        conn = self._connection()
        try:
            conn.request("GET", target, headers=dict(headers))
            answer = conn.getresponse()
            body = answer.read(max_body + 1) if max_body is not None else answer.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()  # the next GET on this thread connects again
            raise HttpError(f"GET from {self.origin} failed: {exc!r}") from exc
        truncated = max_body is not None and len(body) > max_body
        if truncated:
            body = body[:max_body]
        if truncated or not answer.isclosed():
            conn.close()  # drop the connection rather than read the rest
        return Response(answer.status, answer.headers, body, truncated)

    def close(self) -> None:
        """Close every kept connection."""
        with self._lock:
            for conn in self._all:
                conn.close()
