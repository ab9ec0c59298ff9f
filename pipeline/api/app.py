"""The HTTP gateway (FastAPI): `create_app(settings)`; `complaints api` serves it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis
from fastapi import FastAPI

from pipeline import console
from pipeline.adapters.evidence_store import S3EvidenceStore
from pipeline.adapters.s3 import make_s3_client
from pipeline.api import (
    case_routes,
    complaint_routes,
    errors,
    evidence_upload_routes,
    merchant_routes,
    monitoring_routes,
    my_routes,
    ops_routes,
    staff_list_routes,
    submit_endpoint,
    work_routes,
)
from pipeline.api.auth import Authenticate, parse_tokens
from pipeline.api.backlog import Backlog
from pipeline.api.clients import ClientDirectory
from pipeline.api.group_commit import GroupCommit
from pipeline.api.party_tokens import PartyTokens, load_jwks
from pipeline.api.problems import as_problem_documents
from pipeline.api.request_context import RequestContext
from pipeline.api.request_metrics import RequestMetrics
from pipeline.calendar_file import policy_of
from pipeline.db.pool import make_pool
from pipeline.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    """The gateway."""
    tokens = parse_tokens(settings.api_tokens)
    if tokens and settings.env != "local":
        raise ValueError(
            "COMPLAINTS_API_TOKENS is for local runs (COMPLAINTS_ENV=local); "
            "give each caller an API client instead: complaints clients create NAME --scopes …"
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A request waits at most a few seconds for a connection, then answers 503.
        pool = make_pool(
            settings.database_url, settings.db_pool_max_size, name="api", wait_seconds=5
        )
        pool.open(wait=True, timeout=30)
        app.state.pool = pool
        app.state.clients = ClientDirectory(pool, settings.api_client_cache_seconds)
        app.state.redis = redis.Redis.from_url(settings.redis_url)
        app.state.s3 = make_s3_client(settings)
        app.state.evidence = S3EvidenceStore(settings, app.state.s3)
        app.state.policy = policy_of(settings)
        app.state.backlog = Backlog(pool, app.state.redis, settings.api_max_backlog)
        app.state.group_commit = GroupCommit(
            pool, app.state.policy, max(1, settings.api_commit_group_max), committers=2
        )
        try:
            yield
        finally:
            app.state.group_commit.close()
            pool.close()
            app.state.redis.close()

    app = FastAPI(
        title="Complaint pipeline API",
        version="1.0.0",
        description="Submit complaints (complaint.v1), follow them, and act on them "
        "(action.v1). Bearer tokens carry scopes: ingest, read, act:buyer, act:merchant, "
        "act:platform.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)
    described = app.openapi

    def openapi() -> dict[str, Any]:
        # Single submissions are answered ahead of the router: their endpoint adds them.
        return as_problem_documents(submit_endpoint.document(described()))

    app.openapi = openapi  # type: ignore[method-assign]
    app.include_router(complaint_routes.router)
    app.include_router(evidence_upload_routes.router)
    app.include_router(monitoring_routes.router)
    app.include_router(work_routes.router)
    app.include_router(case_routes.router)
    app.include_router(staff_list_routes.router)
    app.include_router(merchant_routes.router)
    app.include_router(my_routes.router)
    app.include_router(ops_routes.router)
    console.mount(app, settings)

    # Added last runs first: RequestContext, then Authenticate (before any body is read),
    # then SubmitEndpoint, which answers single submissions before FastAPI's router.
    app.add_middleware(submit_endpoint.SubmitEndpoint)
    app.add_middleware(Authenticate, tokens=tokens, party=party_tokens(settings))
    app.add_middleware(RequestContext, max_body_bytes=settings.api_max_body_bytes)
    app.add_middleware(RequestMetrics)  # outermost: sees every answer, 413 and 429 too
    return app


def party_tokens(settings: Settings) -> PartyTokens | None:
    if not settings.party_token_jwks.strip():
        return None
    return PartyTokens.from_jwks(
        load_jwks(settings.party_token_jwks),
        settings.party_token_issuer,
        settings.party_token_audience,
    )


def run(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        "pipeline.api.main:app",
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        proxy_headers=False,
    )
