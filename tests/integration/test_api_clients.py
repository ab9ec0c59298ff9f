"""API clients kept in PostgreSQL: created, rotated and revoked with `complaints clients`,
their secrets shown once and stored only as digests, checked by a real gateway."""

from __future__ import annotations

from dataclasses import replace

import httpx
import psycopg
import pytest

from pipeline.api.app import create_app
from pipeline.settings import Settings
from tests.api_server import problem_code, serving
from tests.cli import run_cli
from tests.factories import complaint_payload

pytestmark = pytest.mark.integration


def cli_ok(settings: Settings, *args: str) -> str:
    done = run_cli(settings, "clients", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_clients_are_created_rotated_and_revoked(settings: Settings) -> None:
    secret = cli_ok(settings, "create", "tmall-app", "--scopes", "ingest,read")
    assert secret.startswith("cc_") and len(secret) > 40
    taken = run_cli(settings, "clients", "create", "tmall-app", "--scopes", "read")
    assert taken.returncode == 2 and "exists" in taken.stderr
    bad = run_cli(settings, "clients", "create", "Bad Name", "--scopes", "read")
    assert bad.returncode == 2 and "client name" in bad.stderr
    with psycopg.connect(settings.database_url) as conn:
        stored = conn.execute("SELECT secret_sha256 FROM api_clients").fetchone()
    assert stored is not None and secret not in stored[0]

    with serving(settings, api_client_cache_seconds=0.0) as url:
        client = httpx.Client(base_url=url, timeout=30)
        auth = {"Authorization": f"Bearer {secret}"}
        r = client.post("/v1/complaints", json=complaint_payload(), headers=auth)
        assert r.status_code == 202, r.text
        assert client.get(f"/v1/complaints/{r.json()['id']}", headers=auth).status_code == 200
        upload = client.post("/v1/evidence/uploads", json={}, headers=auth)
        assert upload.status_code in (403, 422)

        rotated = cli_ok(settings, "rotate", "tmall-app")
        old = client.get(f"/v1/complaints/{r.json()['id']}", headers=auth)
        assert old.status_code == 401 and problem_code(old) == "unauthorized"
        auth = {"Authorization": f"Bearer {rotated}"}
        assert client.get(f"/v1/complaints/{r.json()['id']}", headers=auth).status_code == 200

        assert cli_ok(settings, "revoke", "tmall-app") == "revoked tmall-app"
        assert client.get(f"/v1/complaints/{r.json()['id']}", headers=auth).status_code == 401
        client.close()

    listed = cli_ok(settings, "list")
    assert listed.startswith("tmall-app\tingest,read\trevoked\t")
    assert "last_used=20" in listed and secret not in listed and rotated not in listed


def test_environment_tokens_are_for_local_runs_only(settings: Settings) -> None:
    production = replace(settings, env="", api_tokens='{"0123456789abcdef0123": ["read"]}')
    with pytest.raises(ValueError, match="COMPLAINTS_API_TOKENS is for local runs"):
        create_app(production)
    create_app(replace(production, api_tokens=""))
