"""The webhook channel against a real local HTTP server: HMAC-SHA256 signature, the
notification id for de-duplication, and a failed POST leaving the notification pending."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import psycopg
import pytest

from pipeline.adapters.notifier import WebhookNotifier, make_notifier
from pipeline.adapters.s3 import make_s3_client
from pipeline.settings import Settings
from tests.factories import JPEG, complaint_payload
from tests.inline import drain_outbox
from workers import actors
from workers.runtime import bound

pytestmark = pytest.mark.integration

SECRET = "webhook-secret-for-tests"


class Receiver:
    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.fail_next = 0
        self.fail_after = -1  # this many calls succeed, then fail_next applies
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((dict(self.headers), body))
                if receiver.fail_after > 0:
                    receiver.fail_after -= 1
                    status = 204
                else:
                    status = 500 if receiver.fail_next > 0 else 204
                    receiver.fail_next -= 1
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def test_signed_webhook_delivery_retried_until_it_succeeds(
    settings: Settings, receiver: Receiver
) -> None:
    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG
    )
    hooked = replace(
        settings,
        notify_channel="webhook",
        notify_webhook_url=receiver.url,
        notify_webhook_secret=SECRET,
    )
    assert isinstance(make_notifier(hooked), WebhookNotifier)
    receiver.fail_next = 1
    with bound(hooked):
        actors.intake.fn(complaint_payload())
        with pytest.raises(Exception, match="500"):  # Dramatiq would retry with backoff
            drain_outbox(hooked)
        with psycopg.connect(settings.database_url) as conn:
            pending = conn.execute(
                "SELECT count(*) FROM notifications WHERE delivered_at IS NULL"
            ).fetchone()
            # The failed notify message again, as Dramatiq's retry would bring it.
            conn.execute(
                "INSERT INTO outbox (queue_name, actor_name, payload, complaint_id)"
                " SELECT 'notify', 'notify', jsonb_build_object('complaint_id',"
                " complaint_id::text, 'event_seq', event_seq), complaint_id"
                " FROM notifications WHERE delivered_at IS NULL"
            )
            conn.commit()
        assert pending == (1,)
        drain_outbox(hooked)
    kinds = []
    for headers, body in receiver.calls:
        expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Signature"] == f"sha256={expected}"
        envelope = json.loads(body)
        assert headers["X-Notification-Id"] == str(envelope["notification_id"])
        kinds.append((envelope["kind"], envelope["recipient_role"]))
    # intake.accepted failed once and was sent again; every other one went through once.
    assert kinds.count(("intake.accepted", "buyer")) == 2
    assert sorted(set(kinds)) == [
        ("intake.accepted", "buyer"),
        ("merchant.dispatched", "buyer"),
        ("merchant.dispatched", "merchant"),
    ]
    assert len(kinds) == 4
    with psycopg.connect(settings.database_url) as conn:
        done = conn.execute(
            "SELECT count(*) FROM notifications WHERE delivered_at IS NULL"
        ).fetchone()
    assert done == (0,)


def test_a_failure_inside_a_notify_batch_keeps_what_was_delivered(
    settings: Settings, receiver: Receiver
) -> None:
    hooked = replace(
        settings,
        notify_channel="webhook",
        notify_webhook_url=receiver.url,
        notify_webhook_secret=SECRET,
    )
    receiver.fail_after, receiver.fail_next = 1, 1
    with bound(hooked):
        for n in range(3):
            actors.intake.fn(complaint_payload(external_id=f"batch-{n}"))
        with psycopg.connect(settings.database_url) as conn:
            events = conn.execute(
                "SELECT complaint_id::text, event_seq FROM notifications ORDER BY id"
            ).fetchall()
        assert len(events) == 3
        items = [[f"m{seq}-{cid}", {"complaint_id": cid, "event_seq": seq}] for cid, seq in events]
        with pytest.raises(Exception, match="500"):
            actors.notify_many.fn(items)
        with psycopg.connect(settings.database_url) as conn:
            delivered = conn.execute(
                "SELECT count(*) FROM notifications WHERE delivered_at IS NOT NULL"
            ).fetchone()
        assert delivered == (1,)  # the one before the failure stays delivered
        actors.notify_many.fn(items)  # the retry sends the other two
    ids = [json.loads(body)["notification_id"] for _, body in receiver.calls]
    assert len(ids) == 4 and ids.count(ids[0]) == 1 and ids.count(ids[1]) == 2
    with psycopg.connect(settings.database_url) as conn:
        attempts = conn.execute("SELECT attempts FROM notifications ORDER BY id").fetchall()
    assert attempts == [(1,), (1,), (1,)]


def test_webhook_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        WebhookNotifier("file:///etc/passwd", SECRET)
