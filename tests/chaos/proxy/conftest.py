"""Fixtures: a local echo server and an in-process proxy with its admin API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from prometheus_client import CollectorRegistry

from chaos.proxy.admin import create_app
from chaos.proxy.config import ProxyConfig
from chaos.proxy.server import Proxy
from tests.chaos.proxy.proxy_harness import TIMEOUT, EchoServer, free_port
from tests.chaos.proxy.real_proxy import TOKEN


def pytest_asyncio_loop_factories(config, item):
    """Run every in-process test on both loops: the CLI uses uvloop when installed."""
    factories = {"asyncio": asyncio.new_event_loop}
    with contextlib.suppress(ImportError):
        import uvloop

        factories["uvloop"] = uvloop.new_event_loop
    return factories


@pytest.fixture
async def echo() -> AsyncIterator[EchoServer]:
    server = await EchoServer().start()
    try:
        yield server
    finally:
        await server.stop()


@dataclass
class RunningProxy:
    proxy: Proxy
    admin: httpx.AsyncClient
    ports: dict[str, int]  # configured link name -> listen port

    async def dial(self, link: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", self.ports[link]), TIMEOUT
        )

    async def fault(self, kind: str, links: list[str], **body) -> dict:
        resp = await self.admin.post("/faults", json={"kind": kind, "links": links, **body})
        assert resp.status_code == 201, resp.text
        return resp.json()

    async def link(self, name: str) -> dict:
        resp = await self.admin.get("/links")
        return next(link for link in resp.json() if link["name"] == name)


StartProxy = Callable[..., Awaitable[RunningProxy]]


@pytest.fixture
async def start_proxy() -> AsyncIterator[StartProxy]:
    """Factory: start_proxy({"a": echo_port}, peers={...}) -> RunningProxy. Always stopped."""
    started: list[RunningProxy] = []

    async def start(upstreams: dict[str, int], kinds: dict | None = None, peer_ids=None):
        kinds = kinds or {}
        ports = {name: free_port() for name in upstreams}
        links = [
            {
                "name": name,
                "listen": f"127.0.0.1:{ports[name]}",
                "upstream": f"127.0.0.1:{port}",
                **kinds.get(name, {}),
            }
            for name, port in upstreams.items()
        ]
        config = ProxyConfig.model_validate({"links": links, "peer_ids": peer_ids or {}})
        proxy = Proxy(config)
        await proxy.start()
        app = create_app(proxy, CollectorRegistry(), token=TOKEN)
        admin = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://proxy", timeout=TIMEOUT,
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        running = RunningProxy(proxy, admin, ports)
        started.append(running)
        return running

    try:
        yield start
    finally:
        for running in started:
            await running.admin.aclose()
            await asyncio.wait_for(running.proxy.stop(), TIMEOUT)
