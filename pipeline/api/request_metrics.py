"""API request metrics: a latency histogram and a request counter by method, route
template and status (429s and 413s included: this wraps every other middleware).

A plain ASGI class like RequestContext. The route label is the matched route's template
(`/v1/complaints/{complaint_id}`), never the raw path, so ids do not multiply series;
requests answered before routing (single submissions, refusals) are labelled by their
path when it is a known one, else `unmatched`."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Paths answered by middleware before the router (pipeline.api.submit_endpoint).
KNOWN_PATHS = frozenset({"/v1/complaints"})
LABELS = ["method", "route", "status"]

REQUESTS = Counter("complaints_api_requests_total", "HTTP requests answered", LABELS)
LATENCY = Histogram(
    "complaints_api_request_duration_seconds",
    "From request to the response's start",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    return scope["path"] if scope["path"] in KNOWN_PATHS else "unmatched"


class RequestMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def send_observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                LATENCY.labels(scope["method"], route_of(scope)).observe(
                    time.perf_counter() - started
                )
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            REQUESTS.labels(scope["method"], route_of(scope), str(status[0])).inc()
