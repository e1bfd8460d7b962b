"""The fault proxy's admin API, as the faults use it."""

from __future__ import annotations

from typing import Any

import httpx


class ProxyClient:
    def __init__(self, http: httpx.AsyncClient, base_url: str) -> None:
        self.http = http
        self.base_url = base_url

    async def add_fault(
        self, fault_id: str, kind: str, links: list[str], direction: str, params: dict[str, Any]
    ) -> None:
        response = await self.http.post(
            f"{self.base_url}/faults",
            json={
                "id": fault_id,
                "kind": kind,
                "links": links,
                "direction": direction,
                "params": params,
            },
            timeout=2.0,
        )
        response.raise_for_status()

    async def remove_fault(self, fault_id: str) -> None:
        response = await self.http.delete(f"{self.base_url}/faults/{fault_id}", timeout=2.0)
        if response.status_code != 404:  # already gone is what we wanted
            response.raise_for_status()

    async def set_quiet(self, quiet: bool) -> None:
        response = await self.http.put(f"{self.base_url}/quiet", json={"quiet": quiet},
                                       timeout=2.0)
        response.raise_for_status()

    async def clear(self) -> None:
        response = await self.http.delete(f"{self.base_url}/faults", timeout=2.0)
        response.raise_for_status()
