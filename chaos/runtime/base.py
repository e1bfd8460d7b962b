"""The interface every runtime (local processes, Docker, the fake) implements.

Faults and the controller only talk to this interface, so they run unchanged on any runtime.
"""

from __future__ import annotations

import abc
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, computed_field

from chaos.runtime.exits import ExitKind, ExitReason

if TYPE_CHECKING:
    from chaos.netfaults.control import NetworkControl


class ProcessState(StrEnum):
    running = "running"
    starting = "starting"
    stopped = "stopped"
    paused = "paused"
    restarting = "restarting"


class ComponentStatus(BaseModel):
    name: str
    role: str
    state: ProcessState
    pid: int | None = None
    restarts: int = 0
    started_at: float | None = None
    held_down: bool = False
    # Why it last stopped running, as data; `last_exit` is its rendering for people.
    exit: ExitReason | None = None

    @computed_field
    @property
    def last_exit(self) -> str | None:
        return None if self.exit is None else self.exit.describe()


class Runtime(abc.ABC):
    """Lifecycle control of the stack's components by name."""

    name: str

    @abc.abstractmethod
    def statuses(self) -> list[ComponentStatus]: ...

    def enabled_names(self) -> list[str]:
        """Components that are part of the stack now (standby slots excluded)."""
        return [status.name for status in self.statuses()]

    def status(self, name: str) -> ComponentStatus:
        for status in self.statuses():
            if status.name == name:
                return status
        raise KeyError(name)

    @abc.abstractmethod
    async def start(self, name: str) -> None:
        """Start (or keep running) and lift any hold that kept it down."""

    @abc.abstractmethod
    async def stop(self, name: str, *, hold: bool = True,
                   cause: ExitKind = ExitKind.supervisor_stop) -> None:
        """Graceful stop; with hold=True the supervisor does not bring it back. `cause` is
        what the exit is recorded as (a fault's stop passes `fault_stop`)."""

    @abc.abstractmethod
    async def kill(self, name: str, *, hold: bool = False) -> None:
        """SIGKILL (a fault's); without hold the supervisor restarts it after its backoff."""

    @abc.abstractmethod
    async def restart(self, name: str, *, env: dict[str, str] | None = None) -> None:
        """Graceful restart, optionally with changed environment (a new "release")."""

    @abc.abstractmethod
    async def pause(self, name: str) -> None:
        """Freeze the process: it keeps its sockets open but answers nothing."""

    @abc.abstractmethod
    async def resume(self, name: str) -> None: ...

    @abc.abstractmethod
    def capabilities(self) -> set[str]:
        """Mechanisms this runtime offers, e.g. {"signals", "proxy", "env-redeploy"}."""

    def history(self, since: float = 0.0) -> list[tuple[str, Any]]:
        """(component, `Lifecycle`) events since `since`: exits, stops, restarts, starts. A
        runtime that does not supervise (Kubernetes: its controllers do) keeps none."""
        return []


class SupervisingRuntime(Runtime):
    """A runtime that also runs the stack: the controller boots, supervises and stops the
    components through it (local processes, Compose containers; the fake does not)."""

    def network_control(self, proxy: NetworkControl) -> NetworkControl:
        """What carries network faults: the fault proxy's client, unless this runtime carries
        some kinds itself (Docker: iptables in the containers, chaos/runtime/docker_net.py)."""
        return proxy

    @abc.abstractmethod
    def adopt_or_none(self, records: dict) -> list[str]:
        """Take over what a previous controller left running; returns the adopted names."""

    @abc.abstractmethod
    def start_group(self, group: int) -> list[str]:
        """Start the components of one start group that are not running; returns their names."""

    @abc.abstractmethod
    def tick(self, now: float | None = None) -> None:
        """Notice exits and restart what is due; the controller calls it every ~200 ms."""

    @abc.abstractmethod
    async def stop_all(self) -> None:
        """Stop every component, clients before the services they use."""
