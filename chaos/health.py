"""Health of each component as the controller sees it, probed concurrently every half second."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

import httpx
from pydantic import BaseModel

from chaos import etcd_admin
from chaos.stack.plan import ComponentSpec


class Health(BaseModel):
    healthy: bool
    detail: str = ""
    leader: bool | None = None


async def probe(client: httpx.AsyncClient, spec: ComponentSpec) -> Health:
    try:
        response = await client.get(spec.health_url, timeout=0.5)
    except httpx.HTTPError as exc:
        return Health(healthy=False, detail=type(exc).__name__)
    healthy = response.status_code == 200
    if spec.role == "store" and healthy:
        # etcd 3.4 answers 200 with {"health":"false"} when the member has no quorum.
        healthy = response.json().get("health") in ("true", True)
    leader = None
    if spec.role == "store":
        try:
            leader = await etcd_admin.is_leader(client, spec.url)
        except (httpx.HTTPError, ValueError):
            leader = None
    return Health(
        healthy=healthy,
        detail="" if healthy else f"HTTP {response.status_code}",
        leader=leader,
    )


async def probe_all(client: httpx.AsyncClient, specs: list[ComponentSpec]) -> dict[str, Health]:
    results = await asyncio.gather(*(probe(client, spec) for spec in specs))
    return {spec.name: result for spec, result in zip(specs, results, strict=True)}


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
