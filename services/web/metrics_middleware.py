"""Pure ASGI middleware recording the HTTP metrics of every request.

Pure ASGI (not BaseHTTPMiddleware) because it sits on every request: no extra task, no
response buffering, and it sees what the client sees, including 413s and injected faults.
"""

from __future__ import annotations

from time import perf_counter

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.web.metrics import WebMetrics
from services.web.route_templates import RouteTemplates


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: WebMetrics, routes: RouteTemplates) -> None:
        self.app = app
        self._metrics = metrics
        self._routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        route = self._routes.template_of(scope)
        # An exception escaping the app becomes a 500 in the outer error handler.
        status = 500

        async def send_recording_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        in_flight = self._metrics.http_requests_in_flight
        in_flight.inc()
        started = perf_counter()
        try:
            await self.app(scope, receive, send_recording_status)
        finally:
            elapsed = perf_counter() - started
            in_flight.dec()
            self._metrics.http_request_duration.labels(method=method, route=route).observe(elapsed)
            self._metrics.http_requests.labels(method=method, route=route, status=str(status)).inc()
