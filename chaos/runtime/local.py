"""The local runtime: the stack as supervised processes on 127.0.0.1.

The supervisor behaves like a small orchestrator: a component that dies is restarted after a
backoff (unless a fault holds it down), a component above its memory limit is killed the way
the kernel's OOM killer would, and processes left by a crashed controller are adopted.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from dataclasses import dataclass, field

from chaos.runtime.base import ProcessState
from chaos.runtime.exits import SIGKILL, ExitKind, ExitReason, from_returncode
from chaos.runtime.process import ProcessHandle
from chaos.runtime.supervision import STOPPED, Supervision, Supervisor, Unit
from chaos.stack.plan import ComponentSpec, StackPlan
from chaos.stack.telemetry import telemetry_env
from chaos.state import StateDir

log = logging.getLogger("gameday.supervisor")

STOP_GRACE_SECONDS = 5.0


@dataclass
class Supervised(Unit):
    spec: ComponentSpec | None = None
    handle: ProcessHandle | None = None
    paused: bool = False
    env_overrides: dict[str, str] = field(default_factory=dict)
    # Our own stop is under way: its exit is that stop's, not one for tick() to notice.
    terminating: bool = False


class LocalRuntime(Supervisor[Supervised]):
    name = "local"

    def __init__(self, plan: StackPlan, state: StateDir, backoff_seconds: float = 1.0) -> None:
        self.plan = plan
        self.state = state
        self.units: dict[str, Supervised] = {
            spec.name: Supervised(
                name=spec.name, role=spec.role, start_group=spec.start_group, spec=spec,
                supervision=Supervision(base_backoff=backoff_seconds, wanted=not spec.standby),
                enabled=not spec.standby,
            )
            for spec in plan.components
        }
        self.oom_kills: dict[str, int] = {}

    # -- the interface ---------------------------------------------------------------------

    def capabilities(self) -> set[str]:
        return {"signals", "proxy", "env-redeploy", "app-admin", "store-admin"}

    async def start(self, name: str) -> None:
        unit = self.unit(name)
        unit.supervision.want_up()
        if unit.handle is None or not unit.handle.alive():
            self._spawn(unit)

    async def stop(self, name: str, *, hold: bool = True,
                   cause: ExitKind = ExitKind.supervisor_stop) -> None:
        unit = self.unit(name)
        unit.supervision.hold(hold)
        await self._terminate(unit, cause)

    async def kill(self, name: str, *, hold: bool = False) -> None:
        unit = self.unit(name)
        unit.supervision.held_down = hold
        if unit.handle is not None:
            # While it dies the supervisor's tick must not take the death for a crash first.
            unit.terminating = True
            try:
                unit.handle.signal_group(signal.SIGKILL)
                await self._wait_gone(unit.handle, 2.0)
            finally:
                unit.terminating = False
        self._exited(unit, ExitReason(kind=ExitKind.fault_kill, signal=SIGKILL))

    async def restart(self, name: str, *, env: dict[str, str] | None = None) -> None:
        unit = self.unit(name)
        if env is not None:
            unit.env_overrides = dict(env)
        unit.supervision.want_up()
        await self._terminate(unit, ExitKind.supervisor_stop)
        self._spawn(unit)

    async def pause(self, name: str) -> None:
        unit = self.unit(name)
        if unit.handle is None or not unit.handle.alive():
            raise RuntimeError(f"{name} is not running")
        unit.handle.signal_group(signal.SIGSTOP)
        unit.paused = True

    async def resume(self, name: str) -> None:
        unit = self.unit(name)
        if unit.handle is not None:
            unit.handle.signal_group(signal.SIGCONT)
        unit.paused = False

    # -- supervision -----------------------------------------------------------------------

    def adopt_or_none(self, records: dict) -> list[str]:
        """Adopt processes a previous controller left running; returns the adopted names."""
        adopted = []
        for name, record in (records or {}).items():
            unit = self.units.get(name)
            if unit is None:
                continue
            handle = ProcessHandle.adopt(int(record["pid"]), float(record["create_time"]))
            if handle is not None:
                unit.handle = handle
                unit.enabled = unit.supervision.wanted = True
                unit.started_at = record.get("started_at")
                unit.env_overrides = record.get("env_overrides", {})
                adopted.append(name)
        return adopted

    def start_group(self, group: int) -> list[str]:
        names = []
        for unit in self.units.values():
            if not unit.enabled:
                continue
            if unit.spec.start_group == group and (unit.handle is None or not unit.handle.alive()):
                self._spawn(unit)
                names.append(unit.spec.name)
        return names

    def tick(self, now: float | None = None) -> None:
        """Notice exits, enforce memory limits and restart what is due; called every ~200 ms."""
        now = time.monotonic() if now is None else now
        for unit in self.units.values():
            handle = unit.handle
            if handle is not None and not unit.terminating and not handle.alive():
                self._exited(unit, from_returncode(handle.returncode()))
            if unit.handle is not None and self._over_memory_limit(unit):
                limit = unit.spec.memory_limit_mb
                log.warning("%s exceeded %d MiB: OOM kill", unit.spec.name, limit)
                unit.handle.signal_group(signal.SIGKILL)
                self._exited(unit, ExitReason(kind=ExitKind.oom, signal=SIGKILL, limit_mb=limit))
            if unit.handle is None and unit.supervision.due(now):
                unit.supervision.restarting()
                self._spawn(unit)

    def observe(self, unit: Supervised) -> tuple[ProcessState | None, int | None]:
        handle = unit.handle
        if handle is None or not handle.alive():
            return None, None
        paused = unit.paused or handle.is_stopped()
        return (ProcessState.paused if paused else ProcessState.running), handle.pid

    def has_instance(self, unit: Supervised) -> bool:
        return unit.handle is not None

    async def stop_unit(self, unit: Supervised) -> None:
        await self._terminate(unit, ExitKind.supervisor_stop)

    def process_records(self) -> dict:
        return {
            unit.spec.name: {
                "pid": unit.handle.pid,
                "create_time": unit.handle.create_time,
                "started_at": unit.started_at,
                "env_overrides": unit.env_overrides,
            }
            for unit in self.units.values()
            if unit.handle is not None
        }

    # -- internals -------------------------------------------------------------------------

    def _spawn(self, unit: Supervised) -> None:
        spec = unit.spec
        unit.handle = ProcessHandle.spawn(
            spec.argv,
            {**spec.env, **telemetry_env(self.plan, spec), **unit.env_overrides},
            self.state.log_file(spec.name),
            self.state.root,
        )
        unit.started_at = time.time()
        unit.supervision.started()
        unit.paused = False
        self.state.write_json(self.state.processes_file, self.process_records())

    @staticmethod
    def _over_memory_limit(unit: Supervised) -> bool:
        """Play the kernel's OOM killer for a component with a memory limit."""
        limit = unit.spec.memory_limit_mb
        return bool(limit) and unit.handle.rss_bytes() > limit * 1024 * 1024

    def _exited(self, unit: Supervised, why: ExitReason) -> None:
        if unit.handle is None:
            return
        unit.handle = None
        unit.paused = False
        self.note_exit(unit, why)

    async def _terminate(self, unit: Supervised, cause: ExitKind) -> None:
        handle = unit.handle
        if handle is None:
            return
        unit.terminating = True
        try:
            # A frozen process cannot act on SIGTERM, so thaw it first.
            handle.signal_group(signal.SIGCONT)
            handle.signal_group(signal.SIGTERM)
            if not await self._wait_gone(handle, STOP_GRACE_SECONDS):
                handle.signal_group(signal.SIGKILL)
                await self._wait_gone(handle, 2.0)
        finally:
            unit.terminating = False
        unit.handle = None
        unit.paused = False
        observed = from_returncode(handle.returncode())
        unit.supervision.stopped(
            STOPPED if cause is ExitKind.supervisor_stop
            else ExitReason(kind=cause, code=observed.code, signal=observed.signal))

    @staticmethod
    async def _wait_gone(handle: ProcessHandle, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not handle.alive():
                return True
            await asyncio.sleep(0.02)
        return not handle.alive()
