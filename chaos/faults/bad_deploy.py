"""bad-deploy: restart into a broken release; revert restarts on the last good one."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults.process import process_action


class BadDeployParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    release: str = Field(
        "2.0.0-rc1", min_length=1, max_length=64, description="The broken release's version string"
    )
    routes: list[str] = Field(
        default_factory=lambda: ["GET /kv/{key}"],
        description='Routes the broken release fails on, as "METHOD /route/template"',
    )


def broken_release(params: BadDeployParams) -> dict[str, str]:
    """The environment the web service reads its release and broken routes from."""
    return {
        "GAMEDAY_WEB_RELEASE": params.release,
        "GAMEDAY_WEB_BROKEN_ROUTES": ",".join(params.routes),
    }


BadDeploy = process_action(
    "bad-deploy", "Restart the instance into a broken release that fails on some routes",
    local="restart with the broken release's environment",
    docker="release file in a volume shared with the web containers, then Engine API restart",
    act=lambda runtime, name, params: runtime.restart(name, env=broken_release(params)),
    # Roll back: restart on the last good release.
    undo=lambda runtime, name, params: runtime.restart(name, env={}),
    params=BadDeployParams,
    roles=frozenset({"web"}),
    needs=frozenset({"env-redeploy"}),
)
