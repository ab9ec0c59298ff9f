"""Notification channels: a log channel for local runs, an HMAC-signed webhook for real use."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
from typing import Any, Protocol

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


class WebhookNotifier:
    """POSTs JSON with `X-Signature: sha256=<hex HMAC of the body>`; the receiver dedupes on
    `X-Notification-Id` (a crash after the POST but before commit sends it again)."""

    def __init__(self, url: str, secret: str, timeout: float = 5.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("COMPLAINTS_NOTIFY_WEBHOOK_URL must be an http(s) URL")
        self.url, self.secret, self.timeout = url, secret.encode(), timeout

    def deliver(self, notification: dict[str, Any]) -> None:
        body = json.dumps(_envelope(notification), ensure_ascii=False, default=str).encode()
        signature = hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Signature": f"sha256={signature}",
                "X-Notification-Id": str(notification["id"]),
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
