"""Pure ASGI middleware simulating a bad deploy: configured routes answer 500.

``GAMEDAY_WEB_BROKEN_ROUTES="GET /kv/{key},GET /kv"`` makes this release fail on exactly
those routes, the way a regression shipped in one release would, so a canary or rollback
scenario has something real to detect.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from services.web.asgi_json import send_json, server_error_body
from services.web.route_templates import RouteTemplates


def parse_broken_routes(entries: Iterable[str]) -> frozenset[tuple[str, str]]:
    """``["GET /kv/{key}"]`` -> ``{("GET", "/kv/{key}")}``."""
    pairs = set()
    for entry in entries:
        method, _, route = entry.strip().partition(" ")
        if not route.strip():
            raise ValueError(f"broken route {entry!r} must look like 'GET /kv/{{key}}'")
        pairs.add((method.upper(), route.strip()))
    return frozenset(pairs)


class BadReleaseMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        broken: frozenset[tuple[str, str]],
        routes: RouteTemplates,
    ) -> None:
        self.app = app
        self._broken = broken
        self._routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method, route = scope["method"], self._routes.template_of(scope)
            if (method, route) in self._broken:
                await send_json(send, 500, server_error_body(500))
                return
        await self.app(scope, receive, send)
