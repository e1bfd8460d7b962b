"""The schedule service: keeps scenario schedules, starts their runs when due, saves them.

`fire_due(now)` does one pass for a given clock value, so tests drive it with a fake clock;
`run()` is the thin loop the controller starts.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path
from typing import Protocol

from chaos.refusal import Refusal
from chaos.schedules.schedule import LastResult, Schedule, ScheduleRequest
from chaos.schedules.store import ScheduleStore

log = logging.getLogger("gameday.schedules")

POLL_SECONDS = 1.0


class StartedRun(Protocol):
    id: str


class ScenarioStarter(Protocol):
    """What the schedules need of the scenario runner (chaos/scenarios/runner.py)."""

    async def start(self, ref: str, *, force: bool = False, source: str = "api"
                    ) -> StartedRun: ...


class ScheduleError(Refusal):
    """A request the scheduler refuses; `field` names the culprit, if one is."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(status, message, field=field)


def builtin_scenarios() -> list[str]:
    """Names of the built-in scenarios."""
    from chaos.scenarios import library

    return sorted(library.names())


def check_scenario(ref: str, names: list[str]) -> None:
    """A ref is a built-in name or an existing YAML file; unknown refs fail now, not at 3 am."""
    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        if not Path(ref).expanduser().is_file():
            raise ScheduleError(
                422, f"scenario file {ref!r} does not exist on the controller", "scenario"
            )
        return
    if ref not in names:
        raise ScheduleError(
            422,
            f"unknown scenario {ref!r}; built-in scenarios: "
            f"{', '.join(names) or 'none'} (or give a YAML path)",
            "scenario",
        )


class ScheduleService:
    def __init__(
        self,
        path: Path,
        runner: ScenarioStarter,
        scenario_names: Callable[[], list[str]] = builtin_scenarios,
        ready: Callable[[], bool] = lambda: True,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        tz: tzinfo | None = None,
    ) -> None:
        self.store = ScheduleStore(path)
        self.runner = runner
        self.scenario_names = scenario_names
        self.ready = ready
        self.clock = clock
        self.rng = rng or random.Random()
        self.tz = tz
        self.schedules: dict[str, Schedule] = {}
        self.load()

    def load(self) -> None:
        """Read the saved schedules; fires missed while the controller was down are skipped.

        A controller that was down for hours must not start a backlog of chaos the moment it
        comes back, so a past fire time is recorded as missed and the schedule moves on.
        """
        now = self.clock()
        self.schedules = {s.id: s for s in self.store.load()}
        changed = False
        for schedule in self.schedules.values():
            if schedule.next_fire < now:
                schedule.last_result = LastResult(
                    at=now,
                    outcome="missed",
                    detail="the controller was not running at the planned time",
                )
                schedule.next_fire = schedule.timing(self.tz).next(now, self.rng)
                changed = True
        if changed:
            self.store.save(self.listing())

    # -- commands ----------------------------------------------------------------------------

    def listing(self) -> list[Schedule]:
        return sorted(self.schedules.values(), key=lambda s: s.created_at)

    def add(self, request: ScheduleRequest) -> Schedule:
        check_scenario(request.scenario, self.scenario_names())
        now = self.clock()
        schedule = Schedule(
            id=f"s-{uuid.uuid4().hex[:8]}",
            scenario=request.scenario,
            cron=request.cron,
            every=request.every,
            jitter=request.jitter,
            created_at=now,
            next_fire=now,
        )
        schedule.next_fire = schedule.timing(self.tz).next(now, self.rng)
        self.schedules[schedule.id] = schedule
        self.store.save(self.listing())
        log.info(
            "schedule %s: %s %s, first at %.0f",
            schedule.id,
            schedule.scenario,
            schedule.timing(self.tz).text,
            schedule.next_fire,
        )
        return schedule

    def remove(self, schedule_id: str) -> Schedule:
        schedule = self.schedules.pop(schedule_id, None)
        if schedule is None:
            raise ScheduleError(404, f"no schedule {schedule_id!r}")
        self.store.save(self.listing())
        return schedule

    # -- firing ------------------------------------------------------------------------------

    async def fire_due(self, now: float) -> list[Schedule]:
        due = [s for s in self.listing() if s.next_fire <= now]
        for schedule in due:
            schedule.last_result = await self._start(schedule, now)
            schedule.last_fire = now
            schedule.fired += 1
            # From `now`, not from the planned time: a slow pass must not cause a burst.
            schedule.next_fire = schedule.timing(self.tz).next(now, self.rng)
        if due:
            self.store.save(self.listing())
        return due

    async def _start(self, schedule: Schedule, now: float) -> LastResult:
        try:
            # Never force: a scheduled run must not cut short a run someone started by hand.
            run = await self.runner.start(schedule.scenario, force=False,
                                          source=f"schedule:{schedule.id}")
        except Exception as exc:  # the runner's message says why (e.g. a run is going)
            log.warning("schedule %s: %s not started: %s", schedule.id, schedule.scenario, exc)
            return LastResult(at=now, outcome="refused", detail=str(exc) or type(exc).__name__)
        log.info("schedule %s started %s (run %s)", schedule.id, schedule.scenario, run.id)
        return LastResult(at=now, outcome="started", run_id=run.id)

    async def run(self) -> None:
        while True:
            try:
                # While the stack starts or stops, due schedules wait and fire once it is up.
                if self.ready():
                    await self.fire_due(self.clock())
            except Exception:  # one bad pass must not end the schedules for good
                log.exception("schedule pass failed")
            await asyncio.sleep(POLL_SECONDS)
