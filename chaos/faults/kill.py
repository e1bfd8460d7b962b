"""kill: SIGKILL; the supervisor restarts it after its backoff unless stay_down holds it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults.process import process_action


class KillParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stay_down: bool = Field(
        False,
        description="Keep it down for the fault's duration instead of letting the "
        "supervisor restart it after its backoff.",
    )


Kill = process_action(
    "kill", "SIGKILL the process; the supervisor restarts it unless stay_down is set",
    local="SIGKILL to the process group",
    docker="Engine API kill (SIGKILL); the controller starts the container again",
    act=lambda runtime, name, params: runtime.kill(name, hold=params.stay_down),
    # Not held down, it is up again already: the supervisor restarted it.
    undo=lambda runtime, name, params: runtime.start(name) if params.stay_down else None,
    params=KillParams,
)
