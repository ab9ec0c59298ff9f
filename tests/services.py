"""Real-service helpers for tests: fresh databases cloned from a migrated template, a flushed
Redis database, and a clean S3 bucket. A service that does not answer fails the test run."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import psycopg
import pytest
import redis
from psycopg import sql

from pipeline.adapters.s3 import make_s3_client
from pipeline.db.migrate import migrate, with_database
from pipeline.settings import Settings

TEST_REDIS_DB = int(os.environ.get("COMPLAINTS_TEST_REDIS_DB", "13"))


def base_settings() -> Settings:
    return Settings.from_env()


def db_url(settings: Settings, name: str) -> str:
    return with_database(settings.database_url, name)


def admin_url(settings: Settings) -> str:
    return db_url(settings, "postgres")


def service_missing(what: str, exc: Exception) -> None:
    pytest.fail(f"{what} does not answer ({exc}); start it with ./dev services up", pytrace=False)


def create_template(settings: Settings) -> str:
    name = f"complaints_tpl_{os.getpid()}"
    try:
        with psycopg.connect(admin_url(settings), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        service_missing("PostgreSQL", exc)
    migrate(db_url(settings, name))
    return name


def drop_database(settings: Settings, name: str) -> None:
    with psycopg.connect(admin_url(settings), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def cloned_database(settings: Settings, template: str) -> Iterator[str]:
    name = f"complaints_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url(settings), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    try:
        yield db_url(settings, name)
    finally:
        drop_database(settings, name)


def test_redis_url(settings: Settings) -> str:
    base = settings.redis_url.rsplit("/", 1)[0]
    return f"{base}/{TEST_REDIS_DB}"


def flushed_redis(settings: Settings) -> str:
    url = test_redis_url(settings)
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.ConnectionError as exc:
        service_missing("Redis", exc)
    return url


@contextmanager
def clean_bucket(settings: Settings) -> Iterator[str]:
    bucket = f"test-{uuid.uuid4().hex[:16]}"
    s3 = make_s3_client(settings)
    try:
        s3.create_bucket(Bucket=bucket)
    except Exception as exc:
        service_missing(f"S3 at {settings.s3_endpoint}", exc)
    try:
        yield bucket
    finally:
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket):  # up to 1,000 keys a page and a call
            keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
        s3.delete_bucket(Bucket=bucket)


def settings_for(settings: Settings, database_url: str, redis_url: str, bucket: str) -> Settings:
    return replace(settings, database_url=database_url, redis_url=redis_url, s3_bucket=bucket)


Conn = psycopg.Connection[tuple[Any, ...]]
