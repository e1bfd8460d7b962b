"""An in-process HTTP client for the controller's app, for tests that need no server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from prometheus_client import CollectorRegistry

from chaos.api.app import create_app
from chaos.testing.controller import FakeController


@asynccontextmanager
async def controller_client(controller, token: str) -> AsyncIterator[httpx.AsyncClient]:
    """The controller's real routers over `controller` (often a stub), authorized by `token`."""
    app = create_app(controller, token, registry=CollectorRegistry())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://controller",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield client


@asynccontextmanager
async def served_fake(state_dir: Path, token: str, **options: Any
                      ) -> AsyncIterator[tuple[FakeController, httpx.AsyncClient]]:
    """A `FakeController` over `state_dir` and a client of its routers; the controller is
    closed (its faults reverted) when the block ends."""
    controller = FakeController(state_dir, **options)
    try:
        async with controller_client(controller, token) as client:
            yield controller, client
    finally:
        await controller.close()
