"""One component as `gameday status --json` and `GET /api/status` show it (README documents it)."""

from __future__ import annotations

from pydantic import BaseModel

from chaos.runtime.exits import ExitReason


class ComponentView(BaseModel):
    name: str
    role: str
    state: str
    health: str = "unknown"  # healthy, unhealthy, unknown
    pid: int | None = None
    url: str
    leader: bool | None = None  # store members only
    restarts: int = 0
    held_down: bool = False
    last_exit: str | None = None  # `exit` rendered for people (ExitReason.describe)
    exit: ExitReason | None = None  # why it last stopped running, as data
