"""Ingestion figures: durable complaints/s through the real gateway (uvicorn processes),
`POST /v1/complaints/batch` and single `POST /v1/complaints` from 32 concurrent clients,
and the same single POSTs against the naive peer (benchmarks/naive_peer.py)."""

from __future__ import annotations

import json
import socket
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql

from benchmarks import naive_peer as peer
from benchmarks.cpu import CpuMeter, CpuUsage
from benchmarks.env import BenchEnv, stop, wait_until
from benchmarks.http_load import encode_post, post_all
from pipeline.sample import Generator

TOKEN = "bench-ingest-token-0123456789"
PEER_TABLE = peer.TABLE


@dataclass(frozen=True)
class Ingest:
    per_second: float
    count: int
    seconds: float
    statuses: dict[int, int]
    cpu: CpuUsage  # "workers" are the gateway's processes here


@dataclass(frozen=True)
class Gateway:
    port: int
    pid: int  # of `complaints api`, whose uvicorn processes are its children


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
            return bool(r.status == 200)
    except OSError:
        return False


@contextmanager
def gateway(env: BenchEnv, workers: int) -> Iterator[Gateway]:
    """`complaints api` in its own processes; no relay runs, so nothing is drained and the
    backlog limit is lifted for the measurement."""
    port = _free_port()
    extra = {
        "COMPLAINTS_API_TOKENS": json.dumps({TOKEN: ["ingest"]}),
        "COMPLAINTS_API_MAX_BACKLOG": str(10**9),
    }
    proc = env.cli(
        f"api-{workers}w", "api", "--port", str(port), "--workers", str(workers), extra_env=extra
    )
    try:
        wait_until(lambda: _healthy(port), timeout=60, poll=0.1)
        yield Gateway(port, proc.pid)
    finally:
        stop(proc)


@contextmanager
def naive_peer(env: BenchEnv, workers: int) -> Iterator[Gateway]:
    """The naive peer on uvicorn with `workers` processes, its table created."""
    with psycopg.connect(env.settings.database_url, autocommit=True) as conn:
        conn.execute(peer.CREATE_SQL)
    port = _free_port()
    proc = env.spawn(
        f"naive-peer-{workers}w",
        [
            sys.executable,
            "-m",
            "benchmarks.naive_peer",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
    )
    try:
        wait_until(lambda: _healthy(port), timeout=60, poll=0.1)
        yield Gateway(port, proc.pid)
    finally:
        stop(proc)


def payloads(source: str, count: int, seed: int) -> list[dict[str, Any]]:
    gen = Generator(seed, datetime.now(UTC), source=source, id_prefix=f"{source}-")
    return gen.valid_payloads(count)


payloads_of = payloads


def _durable(env: BenchEnv, source: str, table: str) -> int:
    with psycopg.connect(env.settings.database_url) as conn:
        query = sql.SQL("SELECT count(*) FROM {} WHERE source = %s").format(sql.Identifier(table))
        row = conn.execute(query, (source,))
        return int(row.fetchone()[0])  # type: ignore[index]


def _measure(
    env: BenchEnv,
    source: str,
    gw: Gateway,
    requests: list[bytes],
    conns: int,
    n: int,
    table: str = "complaints",
) -> Ingest:
    meter = CpuMeter(gw.pid)
    result = post_all(gw.port, requests, conns)
    cpu = meter.stop()
    if result.first_error:
        raise RuntimeError(f"gateway refused during the benchmark: {result.first_error}")
    durable = _durable(env, source, table)
    if durable != n:
        raise RuntimeError(f"{durable} of {n} complaints are in PostgreSQL after the run")
    return Ingest(n / result.seconds, n, result.seconds, result.statuses, cpu)


def batch_endpoint(
    env: BenchEnv, gw: Gateway, payloads: list[dict[str, Any]], connections: int = 2
) -> Ingest:
    """`payloads` of one source, in batches of 1,000."""
    source, count = payloads[0]["source"], len(payloads)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    requests = [
        encode_post("/v1/complaints/batch", {"items": payloads[i : i + 1000]}, auth)
        for i in range(0, count, 1000)
    ]
    return _measure(env, source, gw, requests, connections, count)


def single_endpoint(
    env: BenchEnv,
    gw: Gateway,
    count: int,
    seed: int,
    connections: int = 32,
    table: str = "complaints",
) -> Ingest:
    """`count` single POSTs from `connections` clients, to the gateway (with its bearer
    token) or to the naive peer (`table` = its table)."""
    source = f"single-{seed}" if table == "complaints" else f"peer-{seed}"
    payloads = payloads_of(source, count, seed)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    requests = [encode_post("/v1/complaints", p, auth) for p in payloads]
    return _measure(env, source, gw, requests, connections, count, table)
