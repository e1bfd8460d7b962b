"""Supervision shared by every runtime, so a crash, a kill fault or a held-down stop behaves
the same on processes, containers and the fake: what the supervisor wants of one component and
when it restarts it (`Supervision`), and the bookkeeping around it (`Supervisor`: the units,
noting exits, stopping everything, projecting a unit onto a `ComponentStatus`).

Times are `time.monotonic()` values passed in by the caller, so tests drive it with a fake
clock.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from chaos.runtime.base import ComponentStatus, ProcessState, SupervisingRuntime
from chaos.runtime.exits import ExitKind, ExitReason

log = logging.getLogger("gameday.supervisor")

MAX_BACKOFF_SECONDS = 10.0
# A component that ran this long is considered healthy again: its next crash starts afresh.
STABLE_AFTER_SECONDS = 10.0
STOPPED = ExitReason(kind=ExitKind.supervisor_stop)
# Lifecycle events kept per component for the event timeline (GET /api/events).
HISTORY_PER_COMPONENT = 100


def next_backoff(previous: float, ran_for: float, base: float) -> float:
    """Seconds to wait before restarting: `base`, doubling while it crash-loops, capped."""
    if ran_for > STABLE_AFTER_SECONDS or previous == 0:
        return base
    return min(previous * 2, MAX_BACKOFF_SECONDS)


@dataclass(frozen=True)
class Lifecycle:
    """One thing that happened to a component: it exited (crash, OOM, kill), was stopped,
    was restarted by the supervisor, or started again. `ts` is wall-clock time."""

    ts: float
    kind: str  # exit, stop, restart, start
    exit: ExitReason | None = None


@dataclass
class Supervision:
    base_backoff: float = 1.0
    # Should be running (False after `stop_all`, for a standby slot, or a stop that holds).
    wanted: bool = True
    # A fault keeps it down for its duration; its revert releases it.
    held_down: bool = False
    restarts: int = 0
    backoff: float = 0.0
    restart_at: float | None = None
    last_exit: ExitReason | None = None
    history: deque[Lifecycle] = field(
        default_factory=lambda: deque(maxlen=HISTORY_PER_COMPONENT))

    def _note(self, kind: str, why: ExitReason | None = None) -> None:
        self.history.append(Lifecycle(time.time(), kind, why))

    @property
    def keep_running(self) -> bool:
        return self.wanted and not self.held_down

    @property
    def restart_pending(self) -> bool:
        return self.keep_running and self.restart_at is not None

    def due(self, now: float) -> bool:
        return self.restart_pending and now >= self.restart_at

    def set_enabled(self, enabled: bool) -> None:
        self.wanted = enabled and not self.held_down

    def want_up(self) -> None:
        """An explicit start or restart: it runs, whatever a fault held before."""
        self.wanted, self.held_down = True, False

    def hold(self, hold: bool) -> None:
        """A stop: held down (a fault's) or simply not wanted any more."""
        self.held_down, self.wanted = hold, not hold

    def exited(self, why: ExitReason, ran_for: float, now: float) -> None:
        """It died (crash, OOM, kill fault): the next start waits out the backoff."""
        self.backoff = next_backoff(self.backoff, ran_for, self.base_backoff)
        self.last_exit = why
        self.restart_at = now + self.backoff
        self._note("exit", why)

    def started(self) -> None:
        self.restart_at = None
        # The stack's first start is not an event; a start after the supervisor's own
        # restart is that restart.
        if self.history and self.history[-1].kind != "restart":
            self._note("start")

    def stopped(self, why: ExitReason = STOPPED) -> None:
        self.restart_at = None
        self.last_exit = why
        self._note("stop", why)

    def restarting(self) -> None:
        self.restarts += 1
        self._note("restart")


@dataclass
class Unit:
    """One supervised component; each runtime adds what it runs it with."""

    name: str
    role: str
    start_group: int
    supervision: Supervision = field(default_factory=Supervision)
    # Part of the stack right now; standby slots are not until they are scaled in.
    enabled: bool = True
    started_at: float | None = None


U = TypeVar("U", bound=Unit)


class Supervisor(SupervisingRuntime, Generic[U]):
    """The bookkeeping every supervising runtime shares, over `self.units`."""

    units: dict[str, U]
    oom_kills: dict[str, int]

    # -- what each runtime says about its own units ----------------------------------------

    @abc.abstractmethod
    def observe(self, unit: U) -> tuple[ProcessState | None, int | None]:
        """(running, paused or restarting as the runtime sees it, else None; the pid)."""

    @abc.abstractmethod
    def has_instance(self, unit: U) -> bool:
        """Whether there is a process or container to stop."""

    @abc.abstractmethod
    async def stop_unit(self, unit: U) -> None:
        """Stop it gracefully (the supervisor's own stop: `down`)."""

    # -- shared ----------------------------------------------------------------------------

    def statuses(self) -> list[ComponentStatus]:
        return [self.status_of(unit) for unit in self.units.values() if unit.enabled]

    def enabled_names(self) -> list[str]:
        return [name for name, unit in self.units.items() if unit.enabled]

    def set_enabled(self, name: str, enabled: bool) -> None:
        """Bring a standby slot into the stack (or take it out); starting it is separate."""
        unit = self.unit(name)
        unit.enabled = enabled
        unit.supervision.set_enabled(enabled)

    def unit(self, name: str) -> U:
        try:
            return self.units[name]
        except KeyError:
            raise KeyError(f"unknown component {name!r}") from None

    def history(self, since: float = 0.0) -> list[tuple[str, Lifecycle]]:
        """(component, event) for every lifecycle event since `since`, oldest first."""
        return sorted(((unit.name, event) for unit in self.units.values()
                       for event in unit.supervision.history if event.ts >= since),
                      key=lambda pair: pair[1].ts)

    def note_exit(self, unit: U, why: ExitReason) -> None:
        """It died: remember why, count OOM kills, schedule the restart (after the backoff)."""
        ran_for = time.time() - (unit.started_at or time.time())
        unit.supervision.exited(why, ran_for, time.monotonic())
        if why.kind is ExitKind.oom:
            self.oom_kills[unit.name] = self.oom_kills.get(unit.name, 0) + 1
        if unit.supervision.keep_running:
            # As observed, never as caused: the log is something a drill's learner reads.
            log.warning("%s %s; restarting in %.1fs", unit.name, why.as_observed().describe(),
                        unit.supervision.backoff)

    async def stop_all(self) -> None:
        """Stop everything, last start group first (clients before the services they use)."""
        for unit in self.units.values():
            unit.supervision.wanted = False
        for group in sorted({u.start_group for u in self.units.values()}, reverse=True):
            await asyncio.gather(*(self.stop_unit(u) for u in self.units.values()
                                   if u.start_group == group and self.has_instance(u)))

    def status_of(self, unit: U) -> ComponentStatus:
        """The unit as `ComponentStatus`: the one projection every runtime reports."""
        observed, pid = self.observe(unit)
        if observed in (ProcessState.running, ProcessState.paused):
            state = observed
        elif observed is ProcessState.restarting or unit.supervision.restart_pending:
            state, pid = ProcessState.restarting, None
        else:
            state, pid = ProcessState.stopped, None
        return ComponentStatus(
            name=unit.name, role=unit.role, state=state, pid=pid,
            restarts=unit.supervision.restarts, started_at=unit.started_at,
            held_down=unit.supervision.held_down, exit=unit.supervision.last_exit,
        )
