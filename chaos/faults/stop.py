from __future__ import annotations

from chaos.faults.process import ProcessFault
from chaos.faults.registry import register
from chaos.runtime.exits import ExitKind


@register
class Stop(ProcessFault):
    type = "stop"
    summary = "Graceful stop (SIGTERM); stays down for the fault's duration"
    mechanisms = {
        "local": "SIGTERM, held down by the supervisor",
        "docker": "Engine API stop, held down by the controller",
        "fake": "recorded",
    }

    async def apply(self) -> None:
        for name in self.targets:
            await self.ctx.runtime.stop(name, hold=True, cause=ExitKind.fault_stop)

    async def revert(self) -> None:
        for name in self.targets:
            await self.ctx.runtime.start(name)
