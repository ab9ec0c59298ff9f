"""A minimal HTTP/1.1 GET over one kept-alive connection per thread, for the evidence
stage's ranged reads (pipeline.adapters.s3_range).

With urllib3 (and http.client under it, which parses headers through the email package),
sending one small GET and reading its answer took about 18 % of a worker's Python time end
to end (py-spy --gil), more than the stage's own work. This writes the request in one
`sendall` and reads the status line, the headers and the body (Content-Length, chunked,
or up to the close) directly.

Any failure closes the thread's connection and raises HttpError; the caller retries on a
new one (a kept-alive socket the server has closed in the meantime fails like that). A body
is read up to the caller's `max_body` at most: past it the connection is dropped (a server
that ignores Range must not make it read a whole large object). Control characters in the
request target or headers are refused before anything is sent (UnsafeRequest)."""

from __future__ import annotations

import re
import socket
import ssl
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass

MAX_HEAD_BYTES = 64 * 1024
RECV_BYTES = 256 * 1024


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


class _Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def fill(self) -> None:
        chunk = self.sock.recv(RECV_BYTES)
        if not chunk:
            raise HttpError("the server closed the connection")
        self.buffer += chunk

    def take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self.fill()
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def line(self) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise HttpError("line too long")
            self.fill()
        out, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
        return out

    def head(self) -> tuple[int, str, dict[str, str]]:
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise HttpError("response head too large")
            self.fill()
        head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
        status_line, *lines = head.decode("latin-1").split("\r\n")
        version, _, rest = status_line.partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not code.isdigit():
            raise HttpError(f"not an HTTP/1.x status line: {status_line[:80]!r}")
        headers: dict[str, str] = {}
        for raw in lines:
            name, sep, value = raw.partition(":")
            if not sep:
                raise HttpError(f"malformed header line: {raw[:80]!r}")
            headers[name.strip().lower()] = value.strip()
        return int(code), version, headers

    def chunked(self, limit: int) -> tuple[bytes, bool]:
        parts, got = [], 0
        while size := int(self.line().split(b";", 1)[0].strip(), 16):  # ValueError if not hex
            if got + size > limit:
                parts.append(self.take(limit - got))
                return b"".join(parts), True
            parts.append(self.take(size))
            got += size
            if self.take(2) != b"\r\n":
                raise HttpError("a chunk does not end where its size says")
        while self.line():  # trailer fields, up to the empty line
            pass
        return b"".join(parts), False

    def to_close(self, limit: int) -> tuple[bytes, bool]:
        try:
            while len(self.buffer) <= limit:
                self.fill()
        except HttpError:
            return self.take(len(self.buffer)), False
        return self.take(limit), True


class KeptAliveGet:
    """GETs to one origin (`http://host:port` or `https://…`), a connection per thread."""

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
        self.tls = (tls or ssl.create_default_context()) if scheme == "https" else None
        self.host, self.port = host, port
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.local = threading.local()

    def get(self, target: str, headers: Mapping[str, str], max_body: int | None = None) -> Response:
        """`target` is the request path (already quoted); `headers` must include Host.
        At most `max_body` bytes of the body are read (`truncated` says there were more)."""
        _check(target, headers)
        conn: _Connection | None = getattr(self.local, "conn", None)
        if conn is None:
            try:
                conn = self.local.conn = self._connect()
            except OSError as exc:
                raise HttpError(f"could not connect to {self.origin}: {exc!r}") from exc
        request = f"GET {target} HTTP/1.1\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in headers.items()
        )
        try:
            conn.sock.sendall((request + "\r\n").encode("latin-1"))
            return self._response(conn, sys.maxsize if max_body is None else max_body)
        except (OSError, ValueError, HttpError) as exc:
            self.close()
            raise HttpError(f"GET from {self.origin} failed: {exc!r}") from exc

    @property
    def origin(self) -> str:
        return f"{self.host}:{self.port}"

    def _response(self, conn: _Connection, limit: int) -> Response:
        status, version, headers = conn.head()
        while 100 <= status < 200:  # interim answers precede the real one
            status, version, headers = conn.head()
        keep = version != "HTTP/1.0" and headers.get("connection", "").lower() != "close"
        truncated = False
        if status in (204, 304):
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body, truncated = conn.chunked(limit)
        elif (length := headers.get("content-length")) is not None:
            if not length.isdigit():
                raise HttpError(f"bad Content-Length {length[:40]!r}")
            truncated = int(length) > limit
            body = conn.take(min(int(length), limit))
        else:
            body, truncated = conn.to_close(limit)
            keep = False
        if truncated or not keep:
            self.close()
        return Response(status, headers, body, truncated)

    def _connect(self) -> _Connection:
        sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        sock.settimeout(self.read_timeout)
        return _Connection(sock)

    def close(self) -> None:
        """Close this thread's connection, if it has one."""
        conn = getattr(self.local, "conn", None)
        self.local.conn = None
        if conn is not None:
            conn.sock.close()
