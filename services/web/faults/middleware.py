"""Pure ASGI middleware applying the http-latency and http-errors faults before routing.

With no HTTP fault active it costs one attribute check. The admin API and /metrics are
never hit, so the controller can always revert a fault and Prometheus keeps scraping.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

from services.web.asgi_json import send_json, server_error_body
from services.web.faults.manager import FaultManager
from services.web.route_templates import RouteTemplates

_EXEMPT_PREFIXES = ("/admin", "/metrics")


class FaultInjectionMiddleware:
    def __init__(self, app: ASGIApp, *, faults: FaultManager, routes: RouteTemplates) -> None:
        self.app = app
        self._faults = faults
        self._routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not self._faults.any_http_fault
            or scope["path"].startswith(_EXEMPT_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        route = self._routes.template_of(scope)

        delay = sum(f.delay_for(method, route) for f in self._faults.latency_faults)
        if delay > 0:
            await asyncio.sleep(delay)

        for fault in self._faults.error_faults:
            status = fault.status_for(method, route)
            if status is not None:
                await _send_injected_error(send, status)
                return
        await self.app(scope, receive, send)


async def _send_injected_error(send: Send, status: int) -> None:
    await send_json(send, status, server_error_body(status))
