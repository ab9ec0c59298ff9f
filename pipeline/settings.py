"""Settings from environment variables prefixed COMPLAINTS_; defaults point at local services.

S3 credentials have no silent default: unset, boto3's default chain finds them (environment,
profile, container or instance role, web identity). Only COMPLAINTS_ENV=local (exported by
`./dev`, `deploy/local/services.sh` and the tests) fills in the local SeaweedFS identity."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any

PREFIX = "COMPLAINTS_"


@dataclass(frozen=True)
class Settings:
    database_url: str = "postgresql://complaints:complaints@127.0.0.1:5432/complaints"
    redis_url: str = "redis://127.0.0.1:6379/0"
    s3_endpoint: str = "http://127.0.0.1:18333"
    env: str = ""  # "local": the local set-up's defaults (LOCAL_DEFAULTS) apply
    s3_access_key: str = ""  # empty: boto3's default credential chain
    s3_secret_key: str = ""
    s3_session_token: str = ""  # with an explicit temporary key pair
    s3_ca_bundle: str = ""  # PEM file of CAs trusted for an https endpoint (boto3 and ours)
    s3_bucket: str = "complaints-evidence"
    s3_region: str = "us-east-1"
    log_format: str = "auto"  # auto | json | console
    log_level: str = "INFO"
    db_pool_max_size: int = 8
    manual_review_amount_cents: int = 500_000
    manual_review_recent_complaints: int = 5
    notify_channel: str = "log"  # log | webhook
    notify_webhook_url: str = ""
    notify_webhook_secret: str = ""
    relay_batch_size: int = 500
    relay_idle_seconds: float = 0.05
    stage_group_size: int = 40  # items per coalesced stage message (workers.coalesce)
    sla_windows: str = ""  # JSON, hours: {"awaiting_merchant": 48, "in_review/counterfeit": 12}
    business_hours: str = ""  # e.g. "mon-fri 09:00-18:00"; empty = natural time
    holidays: str = ""  # e.g. "2026-10-01,2026-10-02"
    workdays: str = ""  # make-up working days (调休), e.g. "2026-10-10"
    calendar_file: str = ""  # JSON {"holidays": [...], "workdays": [...]}, added to the two above
    categories_file: str = ""  # JSON category rows (schemas/categories.py), read from the env
    timezone: str = "Asia/Shanghai"
    scheduler_batch_size: int = 500
    redrive_after_seconds: float = 120.0  # no progress and no outbox row for this long
    scheduler_max_sleep_seconds: float = 5.0
    api_tokens: str = ""  # JSON: {"<token of 16+ chars>": ["ingest", "read", "act:buyer"]}
    api_max_body_bytes: int = 4 * 1024 * 1024
    api_max_backlog: int = 50_000  # unsent outbox rows + waiting review messages
    api_presign_seconds: int = 900
    evidence_get_seconds: int = 300  # presigned evidence downloads live this long
    claim_lease_seconds: int = 900  # a staff claim returns to the queue after this
    api_commit_group_max: int = 100  # single submissions sharing one transaction, at most
    api_client_cache_seconds: float = 30.0  # a revoked client is refused within this
    party_token_jwks: str = ""  # JWKS JSON, or @path to a file; empty: no party tokens
    party_token_issuer: str = "complaints-local"
    party_token_audience: str = "complaints-api"
    four_eyes_amount_cents: int = 500_000  # platform decisions above need a second approver
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9191
    metrics_dir: str = ".local/prometheus-multiproc"  # writable: a mounted volume in a pod
    state_dir: str = ".local/state"  # writable: liveness beat files (pipeline.ops.probe)
    metrics_token: str = ""  # bearer token the API's /metrics asks for; empty: no /metrics
    exporter_cache_seconds: float = 10.0  # pipeline-wide gauges are read at most this often
    worker_max_deliveries: int = 10  # then the message is dead-lettered (poison)
    worker_max_retries: int = 8
    worker_min_backoff_ms: int = 500
    worker_max_backoff_ms: int = 60_000
    evidence_min_backoff_ms: int = 1_000  # retries of evidence-store reads (workers.actors)
    evidence_max_backoff_ms: int = 300_000
    worker_idle_poll_ms: int = 1000  # safety poll of an idle queue (wake-ups do the rest)
    redis_heartbeat_timeout_ms: int = 60_000
    redis_maintenance_chance: int = 1_000  # per million broker commands
    dead_message_ttl_ms: int = 7 * 86_400_000

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        if env.get(PREFIX + "ENV") == "local":
            values.update(LOCAL_DEFAULTS)
        for field in fields(cls):
            raw = env.get(PREFIX + field.name.upper())
            if raw is None:
                continue
            if field.type in ("int", int):
                values[field.name] = _parse(field.name, raw, int)
            elif field.type in ("float", float):
                values[field.name] = _parse(field.name, raw, float)
            else:
                values[field.name] = raw
        return cls(**values)

    def redacted(self) -> dict[str, Any]:
        """Settings safe to print or log: secrets and credentials in URLs masked."""
        out: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if ("secret" in field.name or "token" in field.name) and value:
                value = "***"
            elif field.name.endswith("_url") and isinstance(value, str) and "@" in value:
                scheme, _, rest = value.partition("://")
                value = f"{scheme}://***@{rest.split('@', 1)[1]}"
            out[field.name] = value
        return out


#: The local SeaweedFS identity (deploy/local/services.sh): used only with COMPLAINTS_ENV=local.
LOCAL_DEFAULTS = {"s3_access_key": "complaints", "s3_secret_key": "complaints-secret"}


def _parse(name: str, raw: str, kind: type[int] | type[float]) -> int | float:
    try:
        return kind(raw)
    except ValueError:
        raise SystemExit(f"{PREFIX}{name.upper()}={raw!r}: must be a {kind.__name__}") from None


def env_names() -> list[str]:
    return [PREFIX + f.name.upper() for f in fields(Settings)]
