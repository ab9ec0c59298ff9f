"""The naive peer of single POSTs: what a user would write instead of the gateway.

A FastAPI route on uvicorn that validates the same pydantic model (`ComplaintV1`) and
inserts the complaint with one `INSERT …; COMMIT` per request through a psycopg pool,
answering 202 after the commit. It writes into `bench_peer_complaints`, a copy of the
complaints table with the same columns, checks and indexes (no foreign keys, no pipeline
behind it). Served like the gateway: same uvicorn settings, same worker count, same pool
size per process. `python -m benchmarks.naive_peer --port P --workers N`."""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from psycopg_pool import ConnectionPool

from schemas.complaint import ComplaintV1

TABLE = "bench_peer_complaints"
CREATE_SQL = "CREATE TABLE IF NOT EXISTS bench_peer_complaints (LIKE complaints INCLUDING ALL)"
INSERT_SQL = """
INSERT INTO bench_peer_complaints (
    source, external_id, payload_sha256, category, buyer_id, merchant_id, order_id, item_id,
    sku, order_amount_cents, currency, paid_at, delivered_at, submitted_at, title,
    description, requested_remedy, claimed_amount_cents
) VALUES (
    %(source)s, %(external_id)s, %(sha)s, %(category)s, %(buyer_id)s, %(merchant_id)s,
    %(order_id)s, %(item_id)s, %(sku)s, %(amount)s, %(currency)s, %(paid_at)s,
    %(delivered_at)s, %(submitted_at)s, %(title)s, %(description)s, %(remedy)s, %(claimed)s
) RETURNING id
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # opened in each uvicorn process, after the fork
    app.state.pool = ConnectionPool(
        os.environ["COMPLAINTS_DATABASE_URL"],
        max_size=int(os.environ.get("COMPLAINTS_DB_POOL_MAX_SIZE", "8")),
        open=False,
    )
    app.state.pool.open(wait=True)
    yield
    app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/v1/complaints", status_code=202)
def submit(c: ComplaintV1, request: Request) -> dict[str, Any]:
    o = c.order
    params = {
        "source": c.source,
        "external_id": c.external_id,
        "sha": c.fingerprint(),
        "category": c.category,
        "buyer_id": c.buyer_id,
        "merchant_id": c.merchant_id,
        "order_id": o.order_id,
        "item_id": o.item_id,
        "sku": o.sku,
        "amount": o.amount_cents,
        "currency": o.currency,
        "paid_at": o.paid_at,
        "delivered_at": o.delivered_at,
        "submitted_at": c.submitted_at,
        "title": c.title,
        "description": c.description,
        "remedy": c.requested_remedy,
        "claimed": c.claimed_amount_cents,
    }
    with request.app.state.pool.connection() as conn:  # commits when the block ends
        row = conn.execute(INSERT_SQL, params).fetchone()
    assert row is not None
    return {"id": str(row[0]), "status": "received"}


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m benchmarks.naive_peer")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    # as pipeline.api.app.run serves the gateway
    uvicorn.run(
        "benchmarks.naive_peer:app",
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_config=None,
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
