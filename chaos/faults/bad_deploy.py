from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults.process import ProcessFault
from chaos.faults.registry import register


class BadDeployParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    release: str = Field(
        "2.0.0-rc1", min_length=1, max_length=64, description="The broken release's version string"
    )
    routes: list[str] = Field(
        default_factory=lambda: ["GET /kv/{key}"],
        description='Routes the broken release fails on, as "METHOD /route/template"',
    )


@register
class BadDeploy(ProcessFault):
    type = "bad-deploy"
    summary = "Restart the instance into a broken release that fails on some routes"
    Params = BadDeployParams
    roles = frozenset({"web"})
    needs = frozenset({"env-redeploy"})
    mechanisms = {
        "local": "restart with the broken release's environment",
        "docker": "release file in a volume shared with the web containers, then Engine API "
        "restart",
        "fake": "recorded",
    }

    async def apply(self) -> None:
        env = {
            "GAMEDAY_WEB_RELEASE": self.params.release,
            "GAMEDAY_WEB_BROKEN_ROUTES": ",".join(self.params.routes),
        }
        for name in self.targets:
            await self.ctx.runtime.restart(name, env=env)

    async def revert(self) -> None:
        """Roll back: restart on the last good release."""
        for name in self.targets:
            await self.ctx.runtime.restart(name, env={})
