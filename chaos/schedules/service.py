"""What the controller holds: the schedule service and the monkey, started and stopped together."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from chaos.schedules.monkey import Injector, Monkey
from chaos.schedules.scheduler import ScenarioStarter, ScheduleService
from chaos.targets import Member

SCHEDULES_FILE = "schedules.json"


class ChaosScheduler:
    def __init__(self, state_root: Path, runner: ScenarioStarter, faults: Injector,
                 members: Callable[[], Awaitable[list[Member]]],
                 ready: Callable[[], bool]) -> None:
        """`ready`: the stack is up (degraded counts: it is the normal state under chaos)."""
        self.schedules = ScheduleService(state_root / SCHEDULES_FILE, runner=runner, ready=ready)
        self.monkey = Monkey(faults, members, ready=ready)

    async def run(self) -> None:
        await asyncio.gather(self.schedules.run(), self.monkey.run())

    async def stop(self) -> None:
        """The stack is going down: no more strikes, and no monkey fault stays behind."""
        await self.monkey.stop()
