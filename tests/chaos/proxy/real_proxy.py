"""A real fault proxy in-process: real TCP links on 127.0.0.1, its admin app over ASGI.

Used by the tests that must check effects on the proxy itself (its fault table, real traffic
through a link), not on our records of what we asked of it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from prometheus_client import CollectorRegistry

from chaos.proxy.admin import create_app
from chaos.proxy.config import ProxyConfig
from chaos.proxy.server import Proxy
from tests.chaos.proxy.proxy_harness import TIMEOUT, free_port

TOKEN = "test-admin-token"


@dataclass
class RealProxy:
    proxy: Proxy
    http: httpx.AsyncClient  # the admin API, with the token
    ports: dict[str, int]  # link name -> listen port
    base_url: str = "http://proxy"

    async def dial(self, link: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", self.ports[link]), TIMEOUT
        )

    async def fault_table(self) -> list[dict]:
        resp = await self.http.get("/faults")
        resp.raise_for_status()
        return resp.json()


@contextlib.asynccontextmanager
async def real_proxy(upstreams: dict[str, int], token: str | None = TOKEN
                     ) -> AsyncIterator[RealProxy]:
    ports = {name: free_port() for name in upstreams}
    config = ProxyConfig.model_validate({"links": [
        {"name": name, "listen": f"127.0.0.1:{ports[name]}", "upstream": f"127.0.0.1:{port}"}
        for name, port in upstreams.items()
    ]})
    proxy = Proxy(config)
    await proxy.start()
    app = create_app(proxy, CollectorRegistry(), token=token)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://proxy",
                             headers=headers, timeout=TIMEOUT)
    try:
        yield RealProxy(proxy, http, ports)
    finally:
        await http.aclose()
        await asyncio.wait_for(proxy.stop(), TIMEOUT)
