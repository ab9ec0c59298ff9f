"""The webhook channel against a real local HTTP server: Standard Webhooks signatures checked
by the reference verifier (and by hand), a webhook-id stable across redeliveries for
de-duplication, an old captured call refused, and a failed POST leaving the notification
pending."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import psycopg
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from pipeline.adapters.notifier import WebhookNotifier, make_notifier
from pipeline.adapters.s3 import make_s3_client
from pipeline.settings import Settings
from tests.factories import JPEG, complaint_payload
from tests.inline import drain_outbox, stage
from workers import actors
from workers.runtime import bound

pytestmark = pytest.mark.integration

KEY = b"webhook-signing-key-for-tests-32b"
SECRET = "whsec_" + base64.b64encode(KEY).decode()


def by_hand(headers: dict[str, str], body: bytes) -> str:
    """The Standard Webhooks signature computed independently of the package."""
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest()).decode()


class Receiver:
    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.fail_next = 0
        self.fail_after = -1  # this many calls succeed, then fail_next applies
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
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
    kinds, ids = [], []
    for headers, body in receiver.calls:
        envelope = Webhook(SECRET).verify(body, headers)  # the reference verifier
        assert headers["webhook-signature"] == by_hand(headers, body)
        assert headers["webhook-id"] == f"ntf_{envelope['notification_id']}"
        kinds.append((envelope["kind"], envelope["recipient_role"]))
        ids.append(headers["webhook-id"])
    # intake.accepted failed once and was sent again; every other one went through once.
    assert kinds.count(("intake.accepted", "buyer")) == 2
    assert ids[0] == ids[1], "a redelivery keeps its webhook-id: receivers dedupe on it"
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
            stage("notify").fn(items)
        with psycopg.connect(settings.database_url) as conn:
            delivered = conn.execute(
                "SELECT count(*) FROM notifications WHERE delivered_at IS NOT NULL"
            ).fetchone()
        assert delivered == (1,)  # the one before the failure stays delivered
        stage("notify").fn(items)  # the retry sends the other two
    ids = [json.loads(body)["notification_id"] for _, body in receiver.calls]
    assert len(ids) == 4 and ids.count(ids[0]) == 1 and ids.count(ids[1]) == 2
    with psycopg.connect(settings.database_url) as conn:
        attempts = conn.execute("SELECT attempts FROM notifications ORDER BY id").fetchall()
    assert attempts == [(1,), (1,), (1,)]


def test_webhook_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        WebhookNotifier("file:///etc/passwd", SECRET)


@pytest.mark.parametrize("secret", ["", "plain-shared-secret", "whsec_c2hvcnQ=", "whsec_!!"])
def test_the_secret_must_be_a_standard_webhooks_secret(secret: str) -> None:
    with pytest.raises(ValueError, match="whsec_"):
        WebhookNotifier("http://127.0.0.1:9/hook", secret)


def test_a_captured_call_replayed_later_is_refused(receiver: Receiver) -> None:
    """A call captured ten minutes ago (its timestamp is then) fails verification now, and
    moving its timestamp forward breaks its signature."""
    captured_at = datetime.now(UTC) - timedelta(minutes=10)
    notification = {
        "id": 7,
        "complaint_id": "c-1",
        "event_seq": 1,
        "recipient_role": "buyer",
        "recipient_id": "b_1",
        "kind": "intake.accepted",
        "body": {"status": "in_review", "title": "屏幕有坏点"},
    }
    WebhookNotifier(receiver.url, SECRET, clock=lambda: captured_at).deliver(notification)
    WebhookNotifier(receiver.url, SECRET).deliver(notification)  # a redelivery, now
    (old_headers, old_body), (new_headers, new_body) = receiver.calls
    assert old_headers["webhook-id"] == new_headers["webhook-id"] == "ntf_7"
    assert Webhook(SECRET).verify(new_body, new_headers)["notification_id"] == 7
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(SECRET).verify(old_body, old_headers)
    refreshed = {**old_headers, "webhook-timestamp": new_headers["webhook-timestamp"]}
    with pytest.raises(WebhookVerificationError, match="signature"):
        Webhook(SECRET).verify(old_body, refreshed)
