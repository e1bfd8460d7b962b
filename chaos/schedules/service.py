"""What the controller holds: the schedule service and the monkey, started and stopped together."""

from __future__ import annotations

import asyncio
from typing import Any

from chaos.schedules.monkey import Monkey
from chaos.schedules.scheduler import ScheduleService

SCHEDULES_FILE = "schedules.json"


class ChaosScheduler:
    def __init__(self, controller: Any) -> None:
        def ready() -> bool:
            # Degraded is the normal state under chaos; starting and stopping are not.
            return controller.phase in ("ready", "degraded")

        self.schedules = ScheduleService(
            controller.state.root / SCHEDULES_FILE,
            runner=lambda: getattr(controller, "runner", None),
            ready=ready,
        )
        self.monkey = Monkey(controller.faults, controller.members, ready=ready)

    async def run(self) -> None:
        await asyncio.gather(self.schedules.run(), self.monkey.run())

    async def stop(self) -> None:
        """The stack is going down: no more strikes, and no monkey fault stays behind."""
        await self.monkey.stop()
