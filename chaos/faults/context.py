"""What a fault may touch: the runtime, the fault proxy, the web admin API and the store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from chaos.links import LinkTable
from chaos.netfaults.control import NetworkControl
from chaos.runtime.base import Runtime

# The one network-fault interface (fault proxy; iptables in containers under Docker).
ProxyControl = NetworkControl


class AppControl(Protocol):
    """The admin API of the web instances (application-level faults)."""

    async def add_fault(
        self,
        component: str,
        fault_id: str,
        kind: str,
        params: dict[str, Any],
        expires_in: float | None,
    ) -> None: ...

    async def remove_fault(self, component: str, fault_id: str) -> None: ...

    async def clear(self, component: str) -> None: ...

    async def set_quiet(self, component: str, quiet: bool) -> None:
        """While quiet the instance exports no fault metrics (a drill is running)."""


class StoreControl(Protocol):
    async def fill(self, member: str, fault_id: str) -> dict[str, Any]: ...

    async def unfill(self, fault_id: str) -> None: ...


class DiskControl(Protocol):
    """Caps a component's block-I/O writes (slow-disk); chaos/controls/disk.py."""

    def unavailable_reason(self) -> str | None: ...

    async def throttle(
        self, member: str, fault_id: str, write_bps: int, write_iops: int
    ) -> dict[str, Any]: ...

    async def unthrottle(self, member: str, fault_id: str) -> None: ...


@dataclass
class FaultContext:
    runtime: Runtime
    links: LinkTable
    proxy: ProxyControl
    apps: AppControl
    store: StoreControl
    disk: DiskControl | None = None
