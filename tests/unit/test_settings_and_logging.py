from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
import structlog
from structlog.testing import capture_logs

from pipeline.adapters.notifier import LogNotifier
from pipeline.logging import configure_logging, get_logger
from pipeline.settings import Settings, env_names
from workers.middleware.log_context import LogContext


def test_settings_come_from_prefixed_environment() -> None:
    s = Settings.from_env({"COMPLAINTS_DB_POOL_MAX_SIZE": "3", "COMPLAINTS_S3_BUCKET": "b"})
    assert s.db_pool_max_size == 3 and s.s3_bucket == "b"
    assert "COMPLAINTS_DATABASE_URL" in env_names()


def test_bad_setting_names_the_variable() -> None:
    with pytest.raises(SystemExit, match="COMPLAINTS_DB_POOL_MAX_SIZE='many': must be a int"):
        Settings.from_env({"COMPLAINTS_DB_POOL_MAX_SIZE": "many"})


def test_redacted_settings_hide_secrets_and_url_credentials() -> None:
    shown = Settings(database_url="postgresql://u:pw@h/db", s3_secret_key="s").redacted()
    assert shown["s3_secret_key"] == "***"
    assert "pw" not in shown["database_url"] and shown["database_url"].endswith("@h/db")


class _Message:
    message_id = "m-1"
    actor_name = "review"
    queue_name = "review"
    kwargs: dict[str, Any] = {"items": [["m-1", {"complaint_id": "c-1"}]]}


def test_log_context_binds_message_and_complaint_per_message() -> None:
    import structlog

    middleware = LogContext()
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        middleware.before_process_message(None, _Message())
        structlog.get_logger().info("inside")
        middleware.after_process_message(None, _Message())
        structlog.get_logger().info("after")
    assert logs[0]["complaint_id"] == "c-1" and logs[0]["message_id"] == "m-1"
    assert logs[0]["stage"] == "review"
    assert "complaint_id" not in logs[1]


def test_log_notifier_keeps_buyers_words_out_of_logs() -> None:
    with capture_logs() as logs:
        LogNotifier().deliver(
            {
                "id": 1,
                "recipient_role": "buyer",
                "kind": "intake.accepted",
                "body": {"title": "私人信息 secret title"},
            }
        )
    assert logs and "secret title" not in repr(logs)


def test_events_below_the_level_are_dropped_before_any_processor_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A worker at WARNING makes thousands of info calls a second (one per notification
    delivered); each must cost a level check, not the processor chain."""
    calls: list[str] = []
    real = structlog.processors.TimeStamper.__call__

    def counting(self: Any, logger: Any, name: str, event_dict: dict[str, Any]) -> Any:
        calls.append(event_dict["event"])
        return real(self, logger, name, event_dict)

    try:
        with patch.object(structlog.processors.TimeStamper, "__call__", counting):
            configure_logging("json", "WARNING", force=True)
            log = get_logger("tests.level_filter")
            log.info("quiet", secret="x")
            log.debug("quieter")
            log.warning("loud", password="hunter2")
        err = capsys.readouterr().err
        assert calls == ["loud"]
        assert '"event": "loud"' in err and "quiet" not in err and "hunter2" not in err
    finally:
        configure_logging("auto", "INFO", force=True)
