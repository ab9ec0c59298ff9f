"""boto3 S3 client for any S3-compatible endpoint (SeaweedFS locally, AWS/MinIO/Ceph in prod)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from pipeline.settings import Settings


def s3_session(settings: Settings) -> boto3.session.Session:
    """The configured key pair (and session token) if there is one, else boto3's default
    chain: environment, shared profile, container and instance roles, web identity; the
    temporary ones are refreshed by botocore."""
    if not settings.s3_access_key:
        return boto3.session.Session(region_name=settings.s3_region)
    return boto3.session.Session(
        aws_access_key_id=settings.s3_access_key,
        aws_secret_access_key=settings.s3_secret_key,
        aws_session_token=settings.s3_session_token or None,
        region_name=settings.s3_region,
    )


def make_s3_client(
    settings: Settings, max_pool: int = 16, session: boto3.session.Session | None = None
) -> Any:
    return (session or s3_session(settings)).client(
        "s3",
        endpoint_url=settings.s3_endpoint,
        verify=settings.s3_ca_bundle or None,  # None: the default trust store
        config=Config(
            # Path-style + SigV4: SeaweedFS needs both, and presigned URLs must be SigV4.
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 2, "mode": "standard"},
            connect_timeout=3,
            read_timeout=10,
            max_pool_connections=max_pool,
        ),
    )
