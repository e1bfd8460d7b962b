"""What the controller's API reads from the controller: the one typed surface the routers and
the metrics collectors get. `chaos.controller.Controller` is it for a running stack;
`chaos.testing.controller.FakeController` is it over the fake runtime, for tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import httpx

    from chaos.drills.service import DrillService
    from chaos.events.recorder import EventRecorder
    from chaos.faults.manager import FaultManager
    from chaos.health import Health
    from chaos.logs.store import LogStore
    from chaos.pager.store import PageStore
    from chaos.remediation import Remediation
    from chaos.runtime.base import SupervisingRuntime
    from chaos.scenarios.runner import ScenarioRunner
    from chaos.schedules.service import ChaosScheduler
    from chaos.targets import Member
    from chaos.traces.forward import TraceForwarder
    from chaos.traces.store import TraceStore


@runtime_checkable
class ControllerSurface(Protocol):
    plan: Any  # StackPlan: names(), reach(), component()
    runtime: SupervisingRuntime
    health: Mapping[str, Health]
    http: httpx.AsyncClient
    faults: FaultManager
    runner: ScenarioRunner
    scheduler: ChaosScheduler
    remediation: Remediation
    drills: DrillService
    pager: PageStore
    traces: TraceStore
    logs: LogStore  # every component's lines (GET /api/logs)
    trace_forward: TraceForwarder  # relays accepted exports to Jaeger (Compose), or nothing
    events: EventRecorder  # the one event log (GET /api/events)

    def status(self) -> dict:
        """Every component's state and health, masked while a drill runs."""

    async def members(self) -> list[Member]:
        """The stack's members now (role, leader), for target selection."""

    async def stop_stack(self) -> None:
        """Stop every component (the shutdown route)."""
