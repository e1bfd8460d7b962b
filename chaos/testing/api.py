"""An in-process HTTP client for the controller's app, for tests that need no server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from prometheus_client import CollectorRegistry

from chaos.api.app import create_app


@asynccontextmanager
async def controller_client(controller, token: str) -> AsyncIterator[httpx.AsyncClient]:
    """The controller's real routers over `controller` (often a stub), authorized by `token`."""
    app = create_app(controller, token, registry=CollectorRegistry())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://controller",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield client
