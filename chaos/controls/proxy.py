"""The fault proxy's admin API, as the faults use it: one `NetworkControl` implementation."""

from __future__ import annotations

from typing import Any

import httpx

from chaos.netfaults.control import NetworkControl
from chaos.netfaults.schemas import Direction, LinkRef, check_fault_id, links_json


class ProxyRefused(ValueError):
    """The proxy refused a request (4xx): the message is its explanation."""


class ProxyClient(NetworkControl):
    def __init__(self, http: httpx.AsyncClient, base_url: str, token: str = "") -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        # Every mutating call carries the stack's token (the proxy answers 401 without it).
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def add_fault(
        self, fault_id: str, kind: str, links: list[LinkRef], direction: Direction,
        params: dict[str, Any],
    ) -> None:
        response = await self.http.post(
            f"{self.base_url}/faults",
            json={
                "id": check_fault_id(fault_id),
                "kind": kind,
                "links": links_json(links),
                "direction": direction,
                "params": params,
            },
            headers=self.headers,
            timeout=2.0,
        )
        _raise_for(response)

    async def remove_fault(self, fault_id: str) -> None:
        response = await self.http.delete(
            f"{self.base_url}/faults/{check_fault_id(fault_id)}", headers=self.headers,
            timeout=2.0,
        )
        if response.status_code == 404 and _names_fault(response, fault_id):
            return  # the proxy says it has no such fault: already gone is what we wanted
        _raise_for(response)  # any other 404 (a wrong route, a wrong base URL) is an error

    async def set_quiet(self, quiet: bool) -> None:
        response = await self.http.put(f"{self.base_url}/quiet", json={"quiet": quiet},
                                       headers=self.headers, timeout=2.0)
        _raise_for(response)

    async def set_peers(self, peer_ids: dict[str, str]) -> None:
        """etcd member id (hex) -> component name, so peer links get their names."""
        response = await self.http.put(f"{self.base_url}/peers", json=peer_ids,
                                       headers=self.headers, timeout=2.0)
        _raise_for(response)

    async def clear(self) -> None:
        response = await self.http.delete(f"{self.base_url}/faults", headers=self.headers,
                                          timeout=2.0)
        _raise_for(response)


def _names_fault(response: httpx.Response, fault_id: str) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("fault_id") == fault_id


def _raise_for(response: httpx.Response) -> None:
    if 400 <= response.status_code < 500 and response.status_code not in (401, 403):
        raise ProxyRefused(f"fault proxy refused ({response.status_code}): {response.text[:500]}")
    response.raise_for_status()
