"""Health of each component as the controller sees it, probed concurrently every half second.

The probes are the controller's busiest client (a dozen components, twice a second, for the
life of the stack), so they run on one keep-alive ``aiohttp`` session: bench/
bench_store_client.py puts a call at about 200 us of CPU on aiohttp against 1,500 us or
more on httpx. Every other controller call stays on httpx.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable

import aiohttp
from pydantic import BaseModel

from chaos import etcd_admin
from chaos.stack.plan import ComponentSpec

PROBE_TIMEOUT_SECONDS = 0.5


class Health(BaseModel):
    healthy: bool
    detail: str = ""
    leader: bool | None = None


class HealthProber:
    """One probe round over the enabled components; owns its session (``aclose()``)."""

    def __init__(self, timeout: float = PROBE_TIMEOUT_SECONDS) -> None:
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Opened on first use, inside the running loop, as aiohttp requires.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self.timeout,
                connector=aiohttp.TCPConnector(limit_per_host=4, ttl_dns_cache=None),
            )
        return self._session

    async def probe(self, spec: ComponentSpec) -> Health:
        session = self._client()
        try:
            async with session.get(spec.health_url) as response:
                status, body = response.status, await response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            return Health(healthy=False, detail=type(exc).__name__)
        healthy = status == 200
        if spec.role == "store" and healthy:
            # etcd 3.4 answers 200 with {"health":"false"} when the member has no quorum.
            healthy = _json(body).get("health") in ("true", True)
        leader = await self._is_leader(spec.url) if spec.role == "store" else None
        return Health(healthy=healthy, detail="" if healthy else f"HTTP {status}", leader=leader)

    async def _is_leader(self, url: str) -> bool | None:
        """Whether the member says it leads (its status names itself); None if it cannot say."""
        try:
            async with self._client().post(f"{url}/v3/maintenance/status", json={}) as response:
                if response.status != 200:
                    return None
                status = _json(await response.read())
        except (TimeoutError, aiohttp.ClientError):
            return None
        return etcd_admin.leads(status)

    async def probe_all(self, specs: list[ComponentSpec]) -> dict[str, Health]:
        results = await asyncio.gather(*(self.probe(spec) for spec in specs))
        return {spec.name: result for spec, result in zip(specs, results, strict=True)}

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


def _json(body: bytes) -> dict:
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class ClusterHealth:
    """The last round of probes (the controller's health loop replaces `health` each round),
    as the `chaos.cluster.ClusterView` that remediation and drills are given."""

    def __init__(self, enabled: Callable[[], Iterable[str]]) -> None:
        self.health: dict[str, Health] = {}
        self.enabled = enabled

    def healthy(self, name: str) -> bool:
        probe = self.health.get(name)
        return probe is not None and probe.healthy

    def all_healthy(self) -> bool:
        return all(self.healthy(n) for n in self.enabled()) and self.leader() is not None

    def leader(self) -> str | None:
        leaders = [n for n, h in self.health.items() if h.leader]
        return leaders[0] if len(leaders) == 1 else None
