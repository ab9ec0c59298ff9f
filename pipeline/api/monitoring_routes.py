"""The gateway process watched from outside: liveness (`/healthz`), readiness with
PostgreSQL, Redis and S3 checked (`/readyz`), and its own metrics for Prometheus
(`/metrics`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from pipeline.adapters.evidence_store import probe_bucket
from pipeline.api.errors import documented

router = APIRouter()


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses=documented(503))
async def readyz(request: Request, response: Response) -> dict[str, Any]:
    """Ready while PostgreSQL answers (every request needs it). Redis and S3 are reported:
    without them the gateway still serves reads and accepts submissions into the outbox,
    so it is `degraded`, not unready (taking every replica out would stop that too)."""
    state = request.app.state

    def postgres() -> None:
        with state.pool.connection(timeout=2) as conn:
            conn.execute("SELECT 1")

    def s3() -> None:
        reason = probe_bucket(state.s3, state.settings.s3_bucket)
        if reason is not None:
            raise RuntimeError(reason)

    def probe() -> dict[str, str]:
        checks: dict[str, str] = {}
        for name, fn in (("postgres", postgres), ("redis", state.redis.ping), ("s3", s3)):
            try:
                fn()
                checks[name] = "ok"
            except Exception as exc:  # reported, never raised
                reason = str(exc) if isinstance(exc, RuntimeError) else type(exc).__name__
                checks[name] = f"down: {reason}"
        return checks

    checks = await run_in_threadpool(probe)
    ready = checks["postgres"] == "ok"
    degraded = sorted(k for k, v in checks.items() if k != "postgres" and v != "ok")
    response.status_code = 200 if ready else 503
    return {"ready": ready, "degraded": degraded, "checks": checks}


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        401: {"description": "Missing or wrong bearer token"},
        404: {"description": "No COMPLAINTS_METRICS_TOKEN configured: no /metrics"},
    },
)
def metrics(request: Request) -> Response:
    """This process's metrics, for Prometheus holding COMPLAINTS_METRICS_TOKEN as a bearer
    token (the pipeline-wide gauges come from `complaints exporter`). Without a configured
    token there is no /metrics: it is not for the public port."""
    import hmac

    token = request.app.state.settings.metrics_token
    given = request.headers.get("authorization", "")
    if not token:
        return Response("metrics disabled: set COMPLAINTS_METRICS_TOKEN\n", status_code=404)
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response(
            "bearer token required\n", status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
