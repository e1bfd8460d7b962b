"""The Docker runtime: the stack's Compose containers, supervised through the Engine API.

The controller runs inside the Compose project (service `controller`) with the Docker socket.
Like the local supervisor it behaves as a small orchestrator: a container that exits (a kill
fault, an OOM kill, a crash) is started again after a backoff unless a fault holds it down.
The stack's services therefore have `restart: "no"`: the controller is the one supervisor.

Kill, stop, restart, pause and resume go through the Engine API. Partition and loss are
iptables rules in the dialler's network namespace (docker_net.py); latency, bandwidth and
blackhole go through the fault proxy, as locally, because this kernel (and Docker Desktop on
many Macs) has no sch_netem. A bad deploy writes the broken release's environment into a
volume shared with the web containers (read at container start) and restarts the container.

On start the controller cleans what a crashed predecessor left: iptables chains in every
container, paused containers, then (Controller.boot) journaled faults and proxy faults.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chaos.netfaults.control import NETNS_IPTABLES, NetworkControl
from chaos.runtime.base import ProcessState
from chaos.runtime.docker_net import (
    IptablesNetwork,
    NetControl,
    netem_available,
    nsenter_available,
    probe_netns_iptables,
)
from chaos.runtime.exits import ExitKind, ExitReason
from chaos.runtime.supervision import STOPPED, Supervision, Supervisor, Unit
from chaos.stack.plan import StackPlan
from chaos.state import StateDir

log = logging.getLogger("gameday.docker")

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
RELEASE_DIR = Path(os.environ.get("GAMEDAY_RELEASE_DIR", "/run/gameday/release"))
STOP_GRACE_SECONDS = 5
POLL_SECONDS = 0.5


@dataclass
class Container(Unit):
    # From the last poll:
    container_id: str | None = None
    state: str = "missing"  # Docker's: created, running, paused, restarting, exited, dead
    pid: int | None = None
    ip: str | None = None
    # How the last run ended as Docker reports it (exit code, OOMKilled).
    observed_exit: ExitReason | None = None
    # Set by our own kill/stop, so the exit is not recorded as a crash.
    expected_exit: ExitKind | None = None


class DockerRuntime(Supervisor[Container]):
    name = "docker"

    def __init__(self, plan: StackPlan, state: StateDir, client: Any, project: str,
                 backoff_seconds: float = 1.0, release_dir: Path = RELEASE_DIR) -> None:
        self.plan = plan
        self.state = state
        self.client = client
        self.project = project
        self.release_dir = release_dir
        self.units: dict[str, Container] = {
            c.name: Container(name=c.name, role=c.role, start_group=c.start_group,
                         supervision=Supervision(base_backoff=backoff_seconds))
            for c in plan.components
        }
        self.oom_kills: dict[str, int] = {}
        self.net: NetControl | None = None
        self._poll_task: asyncio.Task | None = None
        self._last_poll = 0.0
        self._netem = netem_available()
        self._nsenter = nsenter_available()
        self._netns_ok = False
        self.refresh()

    # -- the interface -----------------------------------------------------------------------

    def capabilities(self) -> set[str]:
        caps = {"signals", "proxy", "env-redeploy", "app-admin", "store-admin"}
        if self._netns_iptables():
            caps.add(NETNS_IPTABLES)  # partition and loss need it (chaos/faults/network.py)
        if self._netem:
            caps.add("netem")
        return caps

    def _netns_iptables(self) -> bool:
        """nsenter + iptables really work inside a running container (probed once it works;
        asked again while no container runs or the probe fails)."""
        if not self._netns_ok and self._nsenter:
            pid = next((p for n in self.running_names() if (p := self.pid_of(n))), None)
            self._netns_ok = pid is not None and probe_netns_iptables(pid)
        return self._netns_ok

    def network_control(self, proxy: NetworkControl) -> NetworkControl:
        """Wraps the fault-proxy client so partition and loss become iptables rules."""
        self.net = IptablesNetwork(proxy, pid_of=self.pid_of, ip_of=self.ip_of,
                                   names=self.running_names)
        return self.net

    async def start(self, name: str) -> None:
        unit = self.unit(name)
        unit.supervision.want_up()
        await asyncio.to_thread(self._start_now, unit)

    async def stop(self, name: str, *, hold: bool = True,
                   cause: ExitKind = ExitKind.supervisor_stop) -> None:
        unit = self.unit(name)
        unit.supervision.hold(hold)
        await self._end_run(unit, "stop", cause)
        unit.supervision.stopped(self._caused(cause, unit.observed_exit))

    async def kill(self, name: str, *, hold: bool = False) -> None:
        unit = self.unit(name)
        unit.supervision.held_down = hold
        unit.expected_exit = ExitKind.fault_kill
        container = await asyncio.to_thread(self._container, unit)
        await asyncio.to_thread(container.kill, "SIGKILL")
        await asyncio.to_thread(self._wait_state, unit, {"exited", "dead"}, 5.0)
        self._note_exit(unit)

    async def restart(self, name: str, *, env: dict[str, str] | None = None) -> None:
        unit = self.unit(name)
        if env is not None:
            await asyncio.to_thread(self._write_release, unit, env)
        unit.supervision.want_up()
        # Up again after it: a later exit is a crash of the new run, not this restart.
        await self._end_run(unit, "restart", ExitKind.supervisor_stop)
        unit.supervision.started()

    async def _end_run(self, unit: Container, verb: str, cause: ExitKind) -> None:
        """`verb` ("stop" or "restart") the container, thawed first if paused; the exit it
        causes counts as `cause` until the state is read again."""
        unit.expected_exit = cause
        container = await asyncio.to_thread(self._container, unit)
        if unit.state == "paused":
            await asyncio.to_thread(container.unpause)
        await asyncio.to_thread(getattr(container, verb), timeout=STOP_GRACE_SECONDS)
        await asyncio.to_thread(self.refresh)
        unit.expected_exit = None

    async def pause(self, name: str) -> None:
        unit = self.unit(name)
        if unit.state != "running":
            raise RuntimeError(f"{name} is not running")
        container = await asyncio.to_thread(self._container, unit)
        await asyncio.to_thread(container.pause)
        unit.state = "paused"

    async def resume(self, name: str) -> None:
        unit = self.unit(name)
        container = await asyncio.to_thread(self._container, unit)
        await asyncio.to_thread(self._unpause_if_paused, container)
        await asyncio.to_thread(self.refresh)

    # -- what the controller calls besides the interface ----------------------------------

    def adopt_or_none(self, records: dict) -> list[str]:
        """Compose started the containers: adopt them, cleaning what a crashed controller left.

        Returns the running components, so the controller also reverts journaled faults and
        clears proxy faults (Controller._heal_leftovers).
        """
        self.refresh()
        cleaned = self.clean_leftovers()
        if cleaned:
            log.info("cleaned leftovers: %s", "; ".join(cleaned))
        return [u.name for u in self.units.values() if u.state in ("running", "paused")]

    def clean_leftovers(self) -> list[str]:
        done = []
        for unit in self.units.values():
            if unit.state == "paused":
                try:
                    self.client.containers.get(unit.container_id).unpause()
                    done.append(f"unpaused {unit.name}")
                except Exception as exc:  # noqa: BLE001 - report and go on
                    log.warning("could not unpause %s: %s", unit.name, exc)
        self.refresh()
        probe = NetControl(None, self.pid_of, self.ip_of, self.running_names)
        if self._nsenter:
            for name in self.running_names():
                pid = self.pid_of(name)
                if pid and probe.rules_in(pid):
                    done.append(f"removed iptables rules in {name}")
                probe.cleanup(name)
        for path in self.release_dir.glob("*.env") if self.release_dir.is_dir() else []:
            # A bad deploy's release file would break the next start of that web instance;
            # the journal's revert restarts it on the good release.
            if path.stat().st_size:
                path.write_text("")
                done.append(f"reset release of {path.stem}")
        return done

    def start_group(self, group: int) -> list[str]:
        self.refresh()
        started = []
        for unit in self.units.values():
            # A slot scaled in before the controller restarted stays out (apply_saved_scale).
            if unit.start_group == group and unit.state not in ("running", "paused") \
                    and unit.enabled and not unit.supervision.held_down and unit.container_id:
                self._start_now(unit)
                started.append(unit.name)
        return started

    def tick(self, now: float | None = None) -> None:
        """Called every ~200 ms by the controller: poll Docker in a thread at most every 0.5 s."""
        now = time.monotonic() if now is None else now
        if self._poll_task is not None and not self._poll_task.done():
            return
        if now - self._last_poll < POLL_SECONDS:
            return
        self._last_poll = now
        self._poll_task = asyncio.get_running_loop().create_task(self._supervise(now))

    async def _supervise(self, now: float) -> None:
        before = {u.name: (u.state, u.pid) for u in self.units.values()}
        await asyncio.to_thread(self.refresh)
        for unit in self.units.values():
            old_state, old_pid = before[unit.name]
            if unit.state in ("running", "paused"):
                # Running again, whoever started it (e.g. Docker during a restart we asked for).
                unit.supervision.started()
            if unit.state == "running" and unit.pid and old_pid and unit.pid != old_pid \
                    and self.net is not None:
                await asyncio.to_thread(self.net.reapply, unit.name)
            # Exited while running, or found not running (created, or left by a predecessor).
            if unit.state in ("exited", "dead", "created") and (
                    old_state in ("running", "paused") or unit.supervision.keep_running):
                self._note_exit(unit)
            if unit.supervision.due(time.monotonic()) and unit.state != "running":
                unit.supervision.restarting()
                try:
                    await asyncio.to_thread(self._start_now, unit)
                except Exception as exc:  # noqa: BLE001 - retried after a longer backoff
                    log.warning("could not start %s: %s", unit.name, exc)
                    unit.supervision.exited(
                        ExitReason(kind=ExitKind.start_failed, detail=str(exc)), 0.0,
                        time.monotonic())

    def observe(self, unit: Container) -> tuple[ProcessState | None, int | None]:
        if unit.state in ("running", "paused"):
            return ProcessState(unit.state), unit.pid
        if unit.state in ("restarting", "created"):
            return ProcessState.restarting, None
        return None, None

    def has_instance(self, unit: Container) -> bool:
        return unit.container_id is not None

    async def stop_unit(self, unit: Container) -> None:
        """`down`: stop it, reporting (not raising) what fails, so the rest still stops."""
        unit.expected_exit = ExitKind.supervisor_stop
        try:
            container = await asyncio.to_thread(self._container, unit)
            await asyncio.to_thread(self._unpause_if_paused, container)
            await asyncio.to_thread(container.stop, timeout=STOP_GRACE_SECONDS)
        except Exception as exc:  # noqa: BLE001
            log.warning("could not stop %s: %s", unit.name, exc)

    # -- lookups used by the network faults --------------------------------------------------

    def pid_of(self, name: str) -> int | None:
        unit = self.units.get(name)
        if unit is None or unit.container_id is None:
            return None
        attrs = self.client.api.inspect_container(unit.container_id)
        return attrs["State"].get("Pid") or None if attrs["State"].get("Running") else None

    def ip_of(self, name: str) -> str | None:
        unit = self.units.get(name)
        if unit is None or unit.container_id is None:
            return None
        attrs = self.client.api.inspect_container(unit.container_id)
        for network in (attrs["NetworkSettings"].get("Networks") or {}).values():
            if network.get("IPAddress"):
                return network["IPAddress"]
        return None

    def running_names(self) -> list[str]:
        return [u.name for u in self.units.values() if u.state in ("running", "paused")]

    # -- internals ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """One list call for the project, then inspect only the containers that changed."""
        found = self.client.api.containers(
            all=True, filters={"label": f"{PROJECT_LABEL}={self.project}"})
        seen = set()
        for summary in found:
            service = (summary.get("Labels") or {}).get(SERVICE_LABEL)
            unit = self.units.get(service)
            if unit is None:
                continue
            seen.add(service)
            state = summary.get("State", "unknown")
            if unit.container_id != summary["Id"] or unit.state != state or unit.pid is None:
                unit.container_id = summary["Id"]
                attrs = self.client.api.inspect_container(summary["Id"])
                st = attrs["State"]
                unit.state = "paused" if st.get("Paused") else state
                unit.pid = st.get("Pid") or None
                unit.started_at = _parse_time(st.get("StartedAt"))
                if state in ("exited", "dead"):
                    unit.observed_exit = (ExitReason(kind=ExitKind.oom) if st.get("OOMKilled")
                                          else ExitReason.observed(code=st.get("ExitCode")))
                elif state in ("running", "paused"):
                    unit.observed_exit = None
        for name, unit in self.units.items():
            if name not in seen:
                unit.container_id, unit.state, unit.pid = None, "missing", None

    def _note_exit(self, unit: Container) -> None:
        """Once per run (the kill and the poll may both see the exit): schedule the restart."""
        if unit.supervision.restart_at is not None:
            return
        observed = unit.observed_exit or ExitReason.observed()
        why = self._caused(unit.expected_exit, observed) if unit.expected_exit else observed
        unit.expected_exit = None
        self.note_exit(unit, why)

    @staticmethod
    def _caused(cause: ExitKind, observed: ExitReason | None) -> ExitReason:
        """Our own kill or stop, with the exit status Docker observed."""
        if cause is ExitKind.supervisor_stop:
            return STOPPED
        observed = observed or ExitReason.observed()
        return ExitReason(kind=cause, code=observed.code, signal=observed.signal)

    def _start_now(self, unit: Container) -> None:
        container = self._container(unit)
        self._unpause_if_paused(container)
        container.reload()
        if container.status != "running":
            container.start()
        unit.supervision.started()
        unit.expected_exit = None
        self.refresh()

    def _wait_state(self, unit: Container, states: set[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.refresh()
            if unit.state in states:
                return
            time.sleep(0.05)

    @staticmethod
    def _unpause_if_paused(container) -> None:
        container.reload()
        if container.status == "paused":
            container.unpause()

    def _container(self, unit: Container):
        if unit.container_id is None:
            self.refresh()
        if unit.container_id is None:
            raise RuntimeError(f"no container for {unit.name} in project {self.project}")
        return self.client.containers.get(unit.container_id)

    def _write_release(self, unit: Container, env: dict[str, str]) -> None:
        if unit.role != "web":
            if env:
                raise RuntimeError(f"only web containers read a release file, not {unit.name}")
            return
        self.release_dir.mkdir(parents=True, exist_ok=True)
        lines = "".join(f"{key}={_shell_quote(value)}\n" for key, value in sorted(env.items()))
        (self.release_dir / f"{unit.name}.env").write_text(lines)


def _shell_quote(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"


def _parse_time(text: str | None) -> float | None:
    if not text or text.startswith("0001-"):
        return None
    from datetime import datetime

    try:
        # Docker gives nanoseconds; Python parses microseconds.
        head, _, frac = text.rstrip("Z").partition(".")
        return datetime.fromisoformat(f"{head}.{frac[:6] or '0'}+00:00").timestamp()
    except ValueError:
        return None
