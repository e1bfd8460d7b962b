from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults.process import ProcessFault
from chaos.faults.registry import register


class KillParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stay_down: bool = Field(
        False,
        description="Keep it down for the fault's duration instead of letting the "
        "supervisor restart it after its backoff.",
    )


@register
class Kill(ProcessFault):
    type = "kill"
    summary = "SIGKILL the process; the supervisor restarts it unless stay_down is set"
    Params = KillParams
    mechanisms = {
        "local": "SIGKILL to the process group",
        "docker": "Engine API kill (SIGKILL); the controller starts the container again",
        "fake": "recorded",
    }

    async def apply(self) -> None:
        for name in self.targets:
            await self.ctx.runtime.kill(name, hold=self.params.stay_down)

    async def revert(self) -> None:
        if self.params.stay_down:
            for name in self.targets:
                await self.ctx.runtime.start(name)
