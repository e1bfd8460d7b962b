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

from chaos.runtime.base import ComponentStatus, ProcessState, SupervisingRuntime
from chaos.runtime.process import ProcessHandle
from chaos.runtime.supervision import Supervision
from chaos.stack.plan import ComponentSpec, StackPlan
from chaos.state import StateDir

log = logging.getLogger("gameday.supervisor")

STOP_GRACE_SECONDS = 5.0


@dataclass
class Supervised:
    spec: ComponentSpec
    supervision: Supervision
    handle: ProcessHandle | None = None
    # Part of the stack right now; standby slots are not until they are scaled in.
    enabled: bool = True
    paused: bool = False
    started_at: float | None = None
    env_overrides: dict[str, str] = field(default_factory=dict)


class LocalRuntime(SupervisingRuntime):
    name = "local"

    def __init__(self, plan: StackPlan, state: StateDir, backoff_seconds: float = 1.0) -> None:
        self.plan = plan
        self.state = state
        self.units: dict[str, Supervised] = {
            spec.name: Supervised(
                spec=spec,
                supervision=Supervision(base_backoff=backoff_seconds, wanted=not spec.standby),
                enabled=not spec.standby,
            )
            for spec in plan.components
        }
        self.oom_kills: dict[str, int] = {}
        self._lock = asyncio.Lock()

    # -- the interface ---------------------------------------------------------------------

    def capabilities(self) -> set[str]:
        return {"signals", "proxy", "env-redeploy", "app-admin", "store-admin"}

    def statuses(self) -> list[ComponentStatus]:
        return [self._status(unit) for unit in self.units.values() if unit.enabled]

    def enabled_names(self) -> list[str]:
        return [name for name, unit in self.units.items() if unit.enabled]

    def set_enabled(self, name: str, enabled: bool) -> None:
        """Bring a standby slot into the stack (or take it out); starting it is separate."""
        unit = self._unit(name)
        unit.enabled = enabled
        unit.supervision.set_enabled(enabled)

    async def start(self, name: str) -> None:
        unit = self._unit(name)
        unit.supervision.want_up()
        if unit.handle is None or not unit.handle.alive():
            self._spawn(unit)

    async def stop(self, name: str, *, hold: bool = True) -> None:
        unit = self._unit(name)
        unit.supervision.hold(hold)
        await self._terminate(unit)

    async def kill(self, name: str, *, hold: bool = False) -> None:
        unit = self._unit(name)
        unit.supervision.held_down = hold
        if unit.handle is not None:
            unit.handle.signal_group(signal.SIGKILL)
            await self._wait_gone(unit.handle, 2.0)
        unit.paused = False
        self._note_exit(unit, "killed by SIGKILL (fault)")

    async def restart(self, name: str, *, env: dict[str, str] | None = None) -> None:
        unit = self._unit(name)
        if env is not None:
            unit.env_overrides = dict(env)
        unit.supervision.want_up()
        await self._terminate(unit)
        self._spawn(unit)

    async def pause(self, name: str) -> None:
        unit = self._unit(name)
        if unit.handle is None or not unit.handle.alive():
            raise RuntimeError(f"{name} is not running")
        unit.handle.signal_group(signal.SIGSTOP)
        unit.paused = True

    async def resume(self, name: str) -> None:
        unit = self._unit(name)
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
            if handle is not None and not handle.alive():
                self._note_exit(unit, handle.exit_description())
            if unit.handle is not None and self._over_memory_limit(unit):
                limit = unit.spec.memory_limit_mb
                log.warning("%s exceeded %d MiB: OOM kill", unit.spec.name, limit)
                unit.handle.signal_group(signal.SIGKILL)
                self.oom_kills[unit.spec.name] = self.oom_kills.get(unit.spec.name, 0) + 1
                self._note_exit(unit, f"OOM-killed above {limit} MiB")
            if unit.handle is None and unit.supervision.due(now):
                unit.supervision.restarting()
                self._spawn(unit)

    async def stop_all(self) -> None:
        """Stop everything, last start group first (clients before the services they use)."""
        for unit in self.units.values():
            unit.supervision.wanted = False
        for group in sorted({u.spec.start_group for u in self.units.values()}, reverse=True):
            await asyncio.gather(
                *(self._terminate(u) for u in self.units.values() if u.spec.start_group == group)
            )

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

    def _unit(self, name: str) -> Supervised:
        try:
            return self.units[name]
        except KeyError:
            raise KeyError(f"unknown component {name!r}") from None

    def _spawn(self, unit: Supervised) -> None:
        spec = unit.spec
        unit.handle = ProcessHandle.spawn(
            spec.argv,
            {**spec.env, **unit.env_overrides},
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

    def _note_exit(self, unit: Supervised, why: str) -> None:
        if unit.handle is None:
            return
        ran_for = time.time() - (unit.started_at or time.time())
        unit.handle = None
        unit.paused = False
        unit.supervision.exited(why, ran_for, time.monotonic())
        if unit.supervision.keep_running:
            log.warning("%s %s; restarting in %.1fs", unit.spec.name, why,
                        unit.supervision.backoff)

    async def _terminate(self, unit: Supervised) -> None:
        handle = unit.handle
        if handle is None:
            return
        # A frozen process cannot act on SIGTERM, so thaw it first.
        handle.signal_group(signal.SIGCONT)
        handle.signal_group(signal.SIGTERM)
        if not await self._wait_gone(handle, STOP_GRACE_SECONDS):
            handle.signal_group(signal.SIGKILL)
            await self._wait_gone(handle, 2.0)
        unit.handle = None
        unit.paused = False
        unit.supervision.stopped()

    @staticmethod
    async def _wait_gone(handle: ProcessHandle, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not handle.alive():
                return True
            await asyncio.sleep(0.02)
        return not handle.alive()

    def _status(self, unit: Supervised) -> ComponentStatus:
        handle = unit.handle
        if handle is not None and handle.alive():
            state = (
                ProcessState.paused
                if (unit.paused or handle.is_stopped())
                else ProcessState.running
            )
        elif unit.supervision.restart_pending:
            state = ProcessState.restarting
        else:
            state = ProcessState.stopped
        return ComponentStatus(
            name=unit.spec.name,
            role=unit.spec.role,
            state=state,
            pid=handle.pid if handle is not None else None,
            restarts=unit.supervision.restarts,
            started_at=unit.started_at,
            held_down=unit.supervision.held_down,
            last_exit=unit.supervision.last_exit,
        )
