from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path

import botocore.loaders
import botocore.session
import psycopg
import pytest

from pipeline.settings import Settings
from tests import services
from tests.services import Conn

# The tests run against the local services (deploy/local): their S3 identity, also in the
# worker and CLI processes the tests start (they inherit this environment).
os.environ.setdefault("COMPLAINTS_ENV", "local")

CHAOS = Path(__file__).parent / "chaos"


def in_chaos_suite(request: pytest.FixtureRequest) -> bool:
    """The chaos tests break the services on purpose: their fixtures keep the plain set-up
    and clean-up (a new S3 client for their bucket, DROP ... WITH (FORCE) alone)."""
    return request.node.path.is_relative_to(CHAOS)


@functools.cache
def _one_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
    return botocore.loaders.create_loader(search_path_string)


@pytest.fixture(autouse=True)
def botocore_models_read_once(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every boto3 client made in this process (the tests' own, and the gateway's and the
    evidence store's under test) gets botocore's one loader, which parses botocore's JSON
    models once a run instead of once a client (0.15 s of CPU each). Sessions, credentials,
    endpoints and configuration stay each client's own; the worker and CLI processes the
    tests start load as in production. Not in the chaos tests (they keep the plain path)."""
    if not in_chaos_suite(request):
        monkeypatch.setattr(botocore.session, "create_loader", _one_loader)


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    return services.base_settings()


@pytest.fixture(scope="session")
def template_db(base_settings: Settings) -> Iterator[str]:
    name = services.create_template(base_settings)
    yield name
    services.drop_database(base_settings, name)


@pytest.fixture(scope="session")
def made_ahead(base_settings: Settings, template_db: str) -> Iterator[services.MadeAhead]:
    """Set up after the template and stopped before it is dropped."""
    ahead = services.MadeAhead(base_settings)
    yield ahead
    ahead.stop()


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest,
    base_settings: Settings,
    template_db: str,
    made_ahead: services.MadeAhead,
) -> Iterator[str]:
    """A fresh, migrated database for this test only."""
    if in_chaos_suite(request):
        made_ahead.stop()  # nothing made meanwhile
        with services.cloned_database(base_settings, template_db, wait_for_backends=False) as url:
            yield url
        return
    made = made_ahead.database(template_db)
    with services.cloned_database(base_settings, template_db, made=made) as url:
        yield url


@pytest.fixture
def conn(database_url: str) -> Iterator[Conn]:
    with psycopg.connect(database_url, autocommit=True) as connection:
        yield connection


@pytest.fixture
def redis_url(base_settings: Settings) -> str:
    return services.flushed_redis(base_settings)


@pytest.fixture
def bucket(
    request: pytest.FixtureRequest, base_settings: Settings, made_ahead: services.MadeAhead
) -> Iterator[str]:
    """A new, empty S3 bucket for this test only."""
    if in_chaos_suite(request):
        made_ahead.stop()  # nothing made meanwhile
        with services.clean_bucket(base_settings) as name:
            yield name
        return
    s3 = services.s3_admin_client(base_settings)
    with services.clean_bucket(base_settings, s3, made=made_ahead.bucket()) as name:
        yield name


@pytest.fixture
def settings(base_settings: Settings, database_url: str, redis_url: str, bucket: str) -> Settings:
    """Settings pointing at this test's own database, Redis db and S3 bucket."""
    return services.settings_for(base_settings, database_url, redis_url, bucket)
