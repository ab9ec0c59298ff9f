"""A real local socket server that answers with scripted bytes (tests of HTTP clients)."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Answer = Callable[[bytes], bytes | None]  # request head -> bytes to send (None: close)


@contextmanager
def server(
    answer: Answer, close_after: bool = False, tls: ssl.SSLContext | None = None
) -> Iterator[tuple[int, list[bytes]]]:
    """Serves each connection until the client or `answer` closes it (or after the first
    reply, with `close_after`); yields the port and the request heads received, with an
    empty entry for each connection accepted."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []

    def serve(conn: socket.socket) -> None:
        if tls is not None:
            try:
                conn = tls.wrap_socket(conn, server_side=True)
            except OSError:  # the client refused the handshake (an untrusted certificate)
                conn.close()
                return
        with conn:
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                seen.append(head)
                reply = answer(head)
                if reply is None:
                    return
                conn.sendall(reply)
                if close_after:
                    return

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            seen.append(b"")
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1], seen
    finally:
        listener.close()
