"""Faults inside the web service, driven over its token-protected admin API.

Their params are the web service's own models, so the controller refuses exactly what the
service would refuse, before anything is applied.
"""

from __future__ import annotations

from typing import ClassVar

from chaos.faults.base import Fault
from chaos.faults.registry import register
from services.web.faults.catalog import FAULT_TYPES

# The web instance drops the fault by itself this long after its deadline if nobody reverts it
# (a dead man's switch for a controller that died and never came back).
EXPIRY_MARGIN_SECONDS = 30.0


class AppFault(Fault):
    roles: ClassVar[frozenset[str]] = frozenset({"web"})
    needs: ClassVar[frozenset[str]] = frozenset({"app-admin"})
    mechanisms: ClassVar[dict[str, str]] = {
        "local": "web admin API",
        "docker": "web admin API",
        "fake": "recorded",
    }

    async def apply(self) -> None:
        for name in self.targets:
            await self.ctx.apps.add_fault(
                name,
                self.id,
                self.type,
                self.params.model_dump(),
                expires_in=self.duration + EXPIRY_MARGIN_SECONDS,
            )

    async def revert(self) -> None:
        for name in self.targets:
            await self.ctx.apps.remove_fault(name, self.id)


def _app_fault(type_name: str, summary: str) -> type[AppFault]:
    cls = type(
        type_name.title().replace("-", ""),
        (AppFault,),
        {"type": type_name, "summary": summary, "Params": FAULT_TYPES[type_name].Params},
    )
    return register(cls)


HttpErrors = _app_fault("http-errors", "Answer a share of requests with 5xx (optionally one route)")
HttpLatency = _app_fault("http-latency", "Delay a share of requests inside the web service")
CpuBurn = _app_fault("cpu-burn", "Burn CPU cores inside the instance (a noisy neighbour)")
MemoryLeak = _app_fault(
    "memory-leak", "Leak mb_per_s up to cap_mb; past the instance's limit it is OOM-killed"
)
