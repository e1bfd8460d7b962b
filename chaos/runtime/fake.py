"""An in-memory runtime for testing the controller without processes or containers.

It supervises like the real runtimes (the shared `Supervisor`): a kill without hold leaves the
component `restarting` until a `tick` after its backoff, a stop holds it down, a component that
is not running cannot be paused. tests/chaos/contracts holds it to the local runtime's contract.
"""

from __future__ import annotations

import itertools
import signal as signals
import time
from dataclasses import dataclass, field

from chaos.runtime.base import ProcessState
from chaos.runtime.exits import SIGKILL, ExitKind, ExitReason
from chaos.runtime.supervision import STOPPED, Supervision, Supervisor, Unit

DEFAULT_CAPABILITIES = frozenset({"signals", "proxy", "env-redeploy", "app-admin", "store-admin"})


@dataclass
class FakeUnit(Unit):
    pid: int | None = None  # a "process" runs while it has a pid
    paused: bool = False
    env: dict[str, str] = field(default_factory=dict)


class FakeRuntime(Supervisor[FakeUnit]):
    """Records every call; every component starts running. `fail_next[op]` makes the next
    call of that operation raise."""

    name = "fake"

    def __init__(self, components: dict[str, str], capabilities: set[str] | None = None,
                 backoff_seconds: float = 1.0) -> None:
        self._pids = itertools.count(1000)
        self.units: dict[str, FakeUnit] = {
            name: FakeUnit(name=name, role=role, start_group=0,
                           supervision=Supervision(base_backoff=backoff_seconds))
            for name, role in components.items()
        }
        self.oom_kills: dict[str, int] = {}
        for unit in self.units.values():
            self._spawn(unit)
        self._capabilities = set(capabilities if capabilities is not None
                                 else DEFAULT_CAPABILITIES)
        self.calls: list[tuple[str, str]] = []
        self.fail_next: dict[str, Exception] = {}

    def capabilities(self) -> set[str]:
        return set(self._capabilities)

    def env_of(self, name: str) -> dict[str, str]:
        return self.units[name].env

    def _record(self, op: str, name: str) -> FakeUnit:
        unit = self.unit(name)
        self.calls.append((op, name))
        error = self.fail_next.pop(op, None)
        if error is not None:
            raise error
        return unit

    # -- the interface -----------------------------------------------------------------------

    async def start(self, name: str) -> None:
        unit = self._record("start", name)
        unit.supervision.want_up()
        if unit.pid is None:
            self._spawn(unit)

    async def stop(self, name: str, *, hold: bool = True,
                   cause: ExitKind = ExitKind.supervisor_stop) -> None:
        unit = self._record("stop", name)
        unit.supervision.hold(hold)
        self._terminate(unit, cause)

    async def kill(self, name: str, *, hold: bool = False) -> None:
        unit = self._record("kill", name)
        unit.supervision.held_down = hold
        if unit.pid is not None:
            unit.pid, unit.paused = None, False
            self.note_exit(unit, ExitReason(kind=ExitKind.fault_kill, signal=SIGKILL))

    async def restart(self, name: str, *, env: dict[str, str] | None = None) -> None:
        unit = self._record("restart", name)
        if env is not None:
            unit.env = dict(env)
        unit.supervision.want_up()
        self._terminate(unit, ExitKind.supervisor_stop)
        self._spawn(unit)

    async def pause(self, name: str) -> None:
        unit = self._record("pause", name)
        if unit.pid is None:
            raise RuntimeError(f"{name} is not running")
        unit.paused = True

    async def resume(self, name: str) -> None:
        unit = self._record("resume", name)
        unit.paused = False

    # -- supervision -------------------------------------------------------------------------

    def adopt_or_none(self, records: dict) -> list[str]:
        return []

    def start_group(self, group: int) -> list[str]:
        started = [u for u in self.units.values()
                   if u.enabled and u.start_group == group and u.pid is None]
        for unit in started:
            self._spawn(unit)
        return [u.name for u in started]

    def tick(self, now: float | None = None) -> None:
        """What the controller's supervise loop does: restart what is due."""
        now = time.monotonic() if now is None else now
        for unit in self.units.values():
            if unit.pid is None and unit.supervision.due(now):
                unit.supervision.restarting()
                self._spawn(unit)

    def crash(self, name: str, *, code: int | None = None, signal: int | None = None) -> None:
        """The "process" dies by itself (an exit code, or a signal nobody in gameday sent)."""
        unit = self.unit(name)
        if unit.pid is not None:
            unit.pid, unit.paused = None, False
            self.note_exit(unit, ExitReason.observed(code=code, signal=signal))

    def observe(self, unit: FakeUnit) -> tuple[ProcessState | None, int | None]:
        if unit.pid is None:
            return None, None
        return (ProcessState.paused if unit.paused else ProcessState.running), unit.pid

    def has_instance(self, unit: FakeUnit) -> bool:
        return unit.pid is not None

    async def stop_unit(self, unit: FakeUnit) -> None:
        self._terminate(unit, ExitKind.supervisor_stop)

    # -- internals ---------------------------------------------------------------------------

    def _spawn(self, unit: FakeUnit) -> None:
        unit.pid, unit.paused, unit.started_at = next(self._pids), False, time.time()
        unit.supervision.started()

    def _terminate(self, unit: FakeUnit, cause: ExitKind) -> None:
        if unit.pid is None:
            return
        unit.pid, unit.paused = None, False
        # A process that does not handle SIGTERM dies of it, as the local runtime observes.
        unit.supervision.stopped(STOPPED if cause is ExitKind.supervisor_stop
                                 else ExitReason(kind=cause, signal=int(signals.SIGTERM)))
