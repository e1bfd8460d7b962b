from __future__ import annotations

from chaos.faults.process import ProcessFault
from chaos.faults.registry import register


@register
class Restart(ProcessFault):
    type = "restart"
    summary = "Graceful restart; nothing to revert"
    mechanisms = {
        "local": "SIGTERM then start again",
        "docker": "Engine API restart",
        "fake": "recorded",
    }

    async def apply(self) -> None:
        for name in self.targets:
            await self.ctx.runtime.restart(name)

    async def revert(self) -> None:
        """A restart is over once it happened."""
