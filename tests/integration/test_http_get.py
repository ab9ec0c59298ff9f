"""The evidence reader's HTTP client (http.client, one kept connection per thread, with our
limits) against a real local socket server that answers with scripted bytes: body framings,
connection reuse, a server that closed the kept-alive connection, answers that are not HTTP,
timeouts, bodies past the caller's limit, control characters refused, and the S3 CA bundle
shared by boto3 and the evidence reader."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, SSLError

from pipeline.adapters.evidence_store import EvidenceStoreUnavailable
from pipeline.adapters.http_get import HttpError, KeptAliveGet, UnsafeRequest
from pipeline.adapters.s3 import make_s3_client
from pipeline.adapters.s3_range import S3RangeReader
from pipeline.settings import Settings
from tests.local_http import server

pytestmark = pytest.mark.integration


def client(port: int) -> KeptAliveGet:
    return KeptAliveGet("http", "127.0.0.1", port, connect_timeout=2.0, read_timeout=2.0)


HOST = {"Host": "example"}


def test_content_length_bodies_reuse_one_connection() -> None:
    def answer(head: bytes) -> bytes:
        path = head.split(b" ")[1]
        return b"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-3/10\r\n" + (
            b"Content-Length: %d\r\n\r\n%s" % (len(path), path)
        )

    with server(answer) as (port, seen):
        http = client(port)
        first = http.get("/bucket/a", HOST)
        second = http.get("/bucket/bb", HOST)
    assert (first.status, first.body) == (206, b"/bucket/a")
    assert second.body == b"/bucket/bb"
    assert first.headers["content-range"] == "bytes 0-3/10"
    assert seen.count(b"") == 1  # one connection for both
    assert seen[1].startswith(b"GET /bucket/a HTTP/1.1\r\n") and b"\r\nHost: example" in seen[1]


def test_chunked_bodies_and_bodies_that_run_to_the_close() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4;ext=1\r\nWiki\r\n6\r\npedia!\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    with server(lambda head: chunked) as (port, seen):
        http = client(port)
        assert http.get("/a", HOST).body == b"Wikipedia!"
        assert http.get("/b", HOST).body == b"Wikipedia!"  # framing left nothing behind
    assert seen.count(b"") == 1
    unframed = b"HTTP/1.0 404 Not Found\r\n\r\n<Error>NoSuchKey</Error>"
    with server(lambda head: unframed, close_after=True) as (port, seen):
        http = client(port)
        missing = http.get("/a", HOST)
        assert (missing.status, missing.body) == (404, b"<Error>NoSuchKey</Error>")
        assert http.get("/b", HOST).status == 404  # on a new connection
    assert seen.count(b"") == 2
    for said_close in (
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ):

        def reply(head: bytes, said_close: bytes = said_close) -> bytes:
            return said_close

        with server(reply, close_after=True) as (port, seen):
            http = client(port)
            assert [http.get(path, HOST).body for path in ("/a", "/b")] == [b"ok", b"ok"]
        assert seen.count(b"") == 2


def test_a_closed_kept_alive_connection_fails_once_then_a_new_one_is_made() -> None:
    served = {"n": 0}

    def answer(head: bytes) -> bytes | None:
        served["n"] += 1
        if served["n"] == 2:
            return None  # the server drops the kept-alive connection
        return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

    with server(answer) as (port, seen):
        http = client(port)
        assert http.get("/1", HOST).body == b"ok"
        with pytest.raises(HttpError, match=f"GET from 127.0.0.1:{port} failed"):
            http.get("/2", HOST)
        assert http.get("/3", HOST).body == b"ok"
    assert seen.count(b"") == 2


@pytest.mark.parametrize(
    "reply, rule",
    [
        (b"SSH-2.0-OpenSSH\r\n\r\n", "BadStatusLine"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "IncompleteRead"),
        (b"HTTP/1.1 200 OK\r\nX: " + b"y" * 70_000, "LineTooLong"),
        # Answers with no usable length are read to the close, which never comes: the
        # read timeout (2 s here) ends the wait.
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "timed out"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", "timed out"),
    ],
)
def test_answers_that_are_not_http_fail_with_the_reason(reply: bytes, rule: str) -> None:
    with server(lambda head: reply) as (port, _):
        started = time.monotonic()
        with pytest.raises(HttpError, match=rule):
            client(port).get("/x", HOST)
    assert time.monotonic() - started < 4.0  # never longer than the read timeout


def test_nothing_listening_names_the_origin() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(HttpError, match=f"could not connect to 127.0.0.1:{port}"):
            client(port).get("/x", HOST)


def test_https_with_the_servers_certificate_checked(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"]
        + ["-addext", "subjectAltName=DNS:localhost"],
        check=True,
        capture_output=True,
    )
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert, key)
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret"
    with server(lambda head: ok, tls=served) as (port, seen):
        trusting = ssl.create_default_context(cafile=str(cert))
        http = KeptAliveGet("https", "localhost", port, 2.0, 2.0, tls=trusting)
        assert [http.get(p, HOST).body for p in ("/a", "/b")] == [b"secret", b"secret"]
        assert seen.count(b"") == 1
        untrusted = KeptAliveGet("https", "localhost", port, 2.0, 2.0)  # system CAs only
        with pytest.raises(HttpError, match="CERTIFICATE_VERIFY_FAILED"):
            untrusted.get("/c", HOST)


@pytest.mark.parametrize(
    ("target", "headers"),
    [
        ("/a\r\nX-Injected: 1", HOST),
        ("/a b", HOST),
        ("/a\x00", HOST),
        ("/a", {**HOST, "Range": "bytes=0-1\r\nX-Injected: 1"}),
        ("/a", {**HOST, "X-Amz-Security-Token": "t\n"}),
        ("/a", {**HOST, "Bad Name": "v"}),
        ("/a", {**HOST, "X:Y": "v"}),
    ],
)
def test_control_characters_are_refused_before_anything_is_sent(
    target: str, headers: dict[str, str]
) -> None:
    with server(lambda head: b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") as (port, seen):
        with pytest.raises(UnsafeRequest):
            client(port).get(target, headers)
    assert seen == []  # not even a connection


BIG = 200 * 1024 * 1024


def endless(framing: bytes, chunked: bool) -> tuple[int, list[int], threading.Thread]:
    """A server that answers the first request with a 200 MB body (whatever it was asked)
    and counts the bytes it could send before the client dropped the connection."""
    listener = socket.create_server(("127.0.0.1", 0))
    sent = [0]

    def serve() -> None:
        conn, _ = listener.accept()
        listener.close()
        with conn:
            while b"\r\n\r\n" not in conn.recv(65536):
                pass
            piece = b"x" * (1024 * 1024)
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\n" + framing + b"\r\n")
                while sent[0] < BIG:
                    conn.sendall(b"100000\r\n" + piece + b"\r\n" if chunked else piece)
                    sent[0] += len(piece)
            except OSError:  # the client closed the connection
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener.getsockname()[1], sent, thread


@pytest.mark.parametrize(
    ("framing", "chunked"),
    [
        (b"Content-Length: %d\r\n" % BIG, False),
        (b"Transfer-Encoding: chunked\r\n", True),
        (b"Connection: close\r\n", False),
    ],
)
def test_a_body_is_read_up_to_max_body_then_the_connection_is_dropped(
    framing: bytes, chunked: bool
) -> None:
    port, sent, thread = endless(framing, chunked)
    answer = client(port).get("/bucket/big", {**HOST, "Range": "bytes=0-999"}, max_body=1000)
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert (answer.status, answer.body, answer.truncated) == (200, b"x" * 1000, True)
    assert sent[0] < BIG // 4, f"the server got {sent[0]} bytes out before the drop"


def test_the_range_reader_survives_a_server_that_ignores_range(settings: Settings) -> None:
    port, sent, thread = endless(b"Content-Length: %d\r\n" % BIG, False)
    reader = S3RangeReader(replace(settings, s3_endpoint=f"http://127.0.0.1:{port}"))
    got = reader.read_range("evidence/b_1/big.mp4", 0, 4095)
    thread.join(timeout=60)
    assert got is not None and (got.body, got.total_size) == (b"x" * 4096, BIG)
    assert sent[0] < BIG // 4


def self_signed(tmp_path: Path) -> tuple[Path, ssl.SSLContext]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"]
        + ["-addext", "subjectAltName=DNS:localhost"],
        check=True,
        capture_output=True,
    )
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert, key)
    return cert, served


def test_one_ca_bundle_setting_serves_boto3_and_the_evidence_reader(
    settings: Settings, tmp_path: Path
) -> None:
    cert, served = self_signed(tmp_path)
    absent = b"<Error><Code>NoSuchKey</Code></Error>"
    reply = b"HTTP/1.1 404 Not Found\r\nContent-Length: %d\r\n\r\n%s" % (len(absent), absent)
    with server(lambda head: reply, tls=served) as (port, _):
        https = replace(settings, s3_endpoint=f"https://localhost:{port}")
        trusting = replace(https, s3_ca_bundle=str(cert))
        assert S3RangeReader(trusting).read_range("evidence/b_1/x.jpg", 0, 9) is None
        with pytest.raises(ClientError, match="NoSuchKey"):  # TLS held: S3 answered
            make_s3_client(trusting).get_object(Bucket=https.s3_bucket, Key="evidence/x")
        with pytest.raises(EvidenceStoreUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
            S3RangeReader(https).read_range("evidence/b_1/x.jpg", 0, 9)
        with pytest.raises(SSLError):
            make_s3_client(https).get_object(Bucket=https.s3_bucket, Key="evidence/x")


def test_the_range_reader_tries_once_more_after_a_5xx_or_a_dropped_connection(
    settings: Settings,
) -> None:
    """One more try, never more: a server error or a dropped kept-alive connection is read
    again once; twice in a row, the store is unavailable (never "missing")."""
    slow = b"<Error><Code>SlowDown</Code></Error>"
    busy = b"HTTP/1.1 503 Slow Down\r\nContent-Length: %d\r\n\r\n%s" % (len(slow), slow)
    ok = (
        b"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-1/2\r\nContent-Length: 2\r\n\r\nok"
    )
    for first in (busy, None):  # None: the server drops the connection
        replies = iter([first, ok])
        with server(lambda head, replies=replies: next(replies)) as (port, seen):
            reader = S3RangeReader(replace(settings, s3_endpoint=f"http://127.0.0.1:{port}"))
            got = reader.read_range("evidence/b_1/x.jpg", 0, 9)
        assert got is not None and (got.body, got.total_size) == (b"ok", 2)
        assert len([head for head in seen if head]) == 2
    with server(lambda head: busy) as (port, seen):
        reader = S3RangeReader(replace(settings, s3_endpoint=f"http://127.0.0.1:{port}"))
        with pytest.raises(EvidenceStoreUnavailable) as refused:
            reader.read_range("evidence/b_1/x.jpg", 0, 9)
    assert refused.value.reason == "SlowDown"
    assert len([head for head in seen if head]) == 2
