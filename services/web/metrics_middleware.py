"""Pure ASGI middleware recording the HTTP metrics of every request.

Pure ASGI (not BaseHTTPMiddleware) because it sits on every request: no extra task, no
response buffering, and it sees what the client sees, including 413s and injected faults.
Labelled children are cached per label set: ``labels()`` validates and locks on each call,
which would otherwise be most of this layer's cost.

With an ``exemplar`` callable (services/web/tracing.py's ``recorded_trace_id`` when spans are
recorded), each latency observation of a recorded request carries its trace id as an
OpenMetrics exemplar, so a latency spike in Prometheus links to a stored trace. It runs inside
the tracing middleware, so the request's server span is still the current one.
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from services.web.metrics import WebMetrics
from services.web.response_status import StatusRecorder
from services.web.route_templates import RouteTemplates

# Any other method string is folded into "other" so clients cannot mint label values.
KNOWN_METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"})


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: WebMetrics, routes: RouteTemplates,
                 exemplar: Callable[[], dict[str, str] | None] | None = None) -> None:
        self.app = app
        self._metrics = metrics
        self._routes = routes
        self._exemplar = exemplar
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
        route = self._routes.template_of(scope)
        recorder = StatusRecorder(send)

        in_flight = self._metrics.http_requests_in_flight
        in_flight.inc()
        started = perf_counter()
        try:
            await self.app(scope, receive, recorder)
        finally:
            elapsed = perf_counter() - started
            in_flight.dec()
            exemplar = self._exemplar() if self._exemplar is not None else None
            self._histogram(method, route).observe(elapsed, exemplar)
            self._counter(method, route, recorder.status).inc()

    def _counter(self, method: str, route: str, status: int) -> Any:
        key = (method, route, status)
        child = self._counters.get(key)
        if child is None:
            child = self._metrics.http_requests.labels(
                method=method, route=route, status=str(status)
            )
            self._counters[key] = child
        return child

    def _histogram(self, method: str, route: str) -> Any:
        key = (method, route)
        child = self._histograms.get(key)
        if child is None:
            child = self._metrics.http_request_duration.labels(method=method, route=route)
            self._histograms[key] = child
        return child
