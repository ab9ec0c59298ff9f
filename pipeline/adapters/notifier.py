"""Notification channels: a log channel for local runs, a webhook signed as Standard
Webhooks sign (https://www.standardwebhooks.com) for real use."""

from __future__ import annotations

import base64
import binascii
import json
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from standardwebhooks.webhooks import Webhook

from pipeline.logging import get_logger
from pipeline.settings import Settings

log = get_logger(__name__)


class Notifier(Protocol):
    def deliver(self, notification: dict[str, Any]) -> None:
        """Deliver or raise; a raise leaves the notification pending for a retry."""


def _envelope(n: dict[str, Any]) -> dict[str, Any]:
    return {
        "notification_id": n["id"],
        "complaint_id": str(n["complaint_id"]),
        "event_seq": n["event_seq"],
        "recipient_role": n["recipient_role"],
        "recipient_id": n["recipient_id"],
        "kind": n["kind"],
        "body": n["body"],
    }


class LogNotifier:
    def deliver(self, notification: dict[str, Any]) -> None:
        # Ids and kinds only: titles and descriptions are buyers' words, not for logs.
        log.info(
            "notification delivered",
            channel="log",
            notification_id=notification["id"],
            recipient_role=notification["recipient_role"],
            kind=notification["kind"],
        )


def _signing_secret(secret: str) -> Webhook:
    """`whsec_` and the base64 of 24 to 64 random bytes, as Standard Webhooks prescribe."""
    prefix, _, encoded = secret.partition("_")
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if prefix != "whsec" or not 24 <= len(key) <= 64:
        raise ValueError(
            "COMPLAINTS_NOTIFY_WEBHOOK_SECRET must be whsec_ and the base64 of 24-64 random "
            'bytes (python -c \'import base64,os; print("whsec_" + '
            "base64.b64encode(os.urandom(32)).decode())')"
        )
    return Webhook(key)


class WebhookNotifier:
    """POSTs JSON signed with the Standard Webhooks headers: `webhook-id` (the same for
    every delivery of one notification: a crash after the POST but before the commit sends
    it again, and receivers dedupe on it), `webhook-timestamp` (this attempt's, so a
    captured call is refused once it is old) and `webhook-signature`
    (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`)."""

    def __init__(
        self,
        url: str,
        secret: str,
        timeout: float = 5.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("COMPLAINTS_NOTIFY_WEBHOOK_URL must be an http(s) URL")
        self.url, self.signer, self.timeout = url, _signing_secret(secret), timeout
        self.clock = clock

    def deliver(self, notification: dict[str, Any]) -> None:
        body = json.dumps(_envelope(notification), ensure_ascii=False, default=str)
        webhook_id = f"ntf_{notification['id']}"
        now = self.clock().astimezone(UTC)  # sign() reads it as UTC
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "webhook-id": webhook_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": self.signer.sign(webhook_id, now, body),
            },
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            if response.status >= 300:
                raise RuntimeError(f"webhook answered {response.status}")


def make_notifier(settings: Settings) -> Notifier:
    if settings.notify_channel == "webhook":
        return WebhookNotifier(settings.notify_webhook_url, settings.notify_webhook_secret)
    if settings.notify_channel == "log":
        return LogNotifier()
    raise ValueError(f"COMPLAINTS_NOTIFY_CHANNEL={settings.notify_channel!r}: use log or webhook")
