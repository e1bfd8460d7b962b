from __future__ import annotations

from chaos.faults.process import ProcessFault
from chaos.faults.registry import register


@register
class Pause(ProcessFault):
    type = "pause"
    summary = "Freeze the process (SIGSTOP): a hung process whose sockets stay open"
    mechanisms = {
        "local": "SIGSTOP / SIGCONT to the process group",
        "docker": "Engine API pause / unpause (cgroup freezer)",
        "fake": "recorded",
    }

    async def apply(self) -> None:
        for name in self.targets:
            await self.ctx.runtime.pause(name)

    async def revert(self) -> None:
        for name in self.targets:
            await self.ctx.runtime.resume(name)
