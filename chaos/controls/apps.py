"""The web instances' admin API (application faults), called with the stack's admin token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx


class AppAdminClient:
    def __init__(self, http: httpx.AsyncClient, url_of: Callable[[str], str], token: str) -> None:
        self.http = http
        self.url_of = url_of
        self.headers = {"Authorization": f"Bearer {token}"}

    async def add_fault(
        self,
        component: str,
        fault_id: str,
        kind: str,
        params: dict[str, Any],
        expires_in: float | None,
    ) -> None:
        response = await self.http.post(
            f"{self.url_of(component)}/admin/faults",
            json={"id": fault_id, "type": kind, "params": params, "expires_in": expires_in},
            headers=self.headers,
            timeout=2.0,
        )
        response.raise_for_status()

    async def remove_fault(self, component: str, fault_id: str) -> None:
        try:
            response = await self.http.delete(
                f"{self.url_of(component)}/admin/faults/{fault_id}",
                headers=self.headers,
                timeout=2.0,
            )
        except httpx.ConnectError:
            return  # the process is gone, and its in-memory fault with it
        if response.status_code != 404:
            response.raise_for_status()

    async def clear(self, component: str) -> None:
        try:
            response = await self.http.delete(
                f"{self.url_of(component)}/admin/faults", headers=self.headers, timeout=2.0
            )
        except httpx.ConnectError:
            return
        response.raise_for_status()

    async def set_quiet(self, component: str, quiet: bool) -> None:
        """While quiet the instance exports no web_app_faults_active series (drills)."""
        response = await self.http.put(
            f"{self.url_of(component)}/admin/quiet", json={"quiet": quiet},
            headers=self.headers, timeout=2.0,
        )
        response.raise_for_status()
