"""A controller for API tests: the real fault manager and drill service over the fake runtime.

The routers get the same surface as from the real controller (faults, drills, plan, status),
so they need no branch for a controller that lacks a part.
"""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace

import httpx

from chaos.controller import timeline
from chaos.controls.lb import LbAdmin
from chaos.controls.store import StoreAdmin
from chaos.drills.service import DrillService
from chaos.faults.manager import FaultManager
from chaos.journal import Journal
from chaos.logs.store import LogStore
from chaos.pager.store import PageStore
from chaos.remediation import Remediation
from chaos.scenarios.probes import QueryFailed
from chaos.scenarios.runner import create_runner
from chaos.schedules.service import ChaosScheduler
from chaos.state import StateDir
from chaos.targets import Member
from chaos.testing.fakes import STACK, fake_context
from chaos.traces.forward import TraceForwarder
from chaos.traces.store import TraceStore

LEADER = "store-1"


class FakePrometheus:
    """A healthy stack's probe values; history queries fail (a debrief must cope)."""

    async def values(self, expr: str) -> list[float]:
        if "active_servers" in expr:
            return [3.0]
        return [1.0] if "has_leader" in expr else [0.0]

    async def _get(self, path: str, params: dict) -> dict:
        raise QueryFailed("no Prometheus in unit tests")

    async def range(self, *args, **kwargs):
        raise QueryFailed("no Prometheus in unit tests")

    async def value_at(self, *args, **kwargs):
        raise QueryFailed("no Prometheus in unit tests")

    async def vector(self, *args, **kwargs):
        raise QueryFailed("no Prometheus in unit tests")


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


class FakePlan:
    """The plan's names: `planned` may list standby slots that the fake runtime never runs."""

    endpoints = {"prometheus": "http://prometheus.invalid"}
    admin_token = "stack-admin-token"

    def __init__(self, planned: dict[str, str]) -> None:
        self.planned = planned

    def names(self, role: str | None = None) -> list[str]:
        return [n for n, r in self.planned.items() if role is None or r == role]

    def reach(self, endpoint: str) -> str | None:
        return self.endpoints.get(endpoint)

    @property
    def components(self) -> list[SimpleNamespace]:
        return [SimpleNamespace(name=n) for n in self.planned]

    def component(self, name: str) -> SimpleNamespace:
        return SimpleNamespace(name=name, url=f"http://{name}.invalid")


class FakeController:
    """The API's `ControllerSurface` over the fake runtime of `STACK` with store-1 leading: the
    real fault manager, scenario runner, scheduler, remediation, drills and pager; Prometheus,
    etcd and HAProxy are fakes or addresses that do not answer (`with_remediation` swaps in
    others)."""

    def __init__(self, state_dir: Path, planned: dict[str, str] = STACK) -> None:
        context = fake_context()
        self.runtime = context.runtime
        self.plan = FakePlan(planned)
        self.state = StateDir(state_dir)
        self.health: dict = {}
        self.faults = FaultManager(
            context, Journal(state_dir / "journal.jsonl"), self.members, random.Random(3)
        )
        self.runner = create_runner(self.faults, FakePrometheus(), None, state_dir / "runs")
        self.scheduler = ChaosScheduler(state_dir, self.runner, self.faults, self.members,
                                        ready=lambda: True)
        self.stopped = False
        # Nothing answers: etcd's members refuse every connection, unless a test brings its own.
        http = httpx.AsyncClient(transport=httpx.MockTransport(_refuse))
        members = {n: f"http://{n}.invalid" for n in self.plan.names("store")}
        self.with_remediation(http, StoreAdmin(http, members, quota_bytes=1 << 20))
        self.drills = DrillService(
            state_dir / "drills", self.plan, self.runtime, self.faults, cluster=self,
            prometheus=FakePrometheus(), scenario_running=lambda: self.runner.current is not None,
            moves=lambda: self.remediation.actions,
            pages=lambda: list(self.pager.pages.values()), poll_seconds=0.05)
        self.pager = PageStore(state_dir / "pages.json")
        self.events = timeline.recorder_for(self)  # the real event log, synced on every read
        self.traces = TraceStore(state_dir / "traces.sqlite")
        self.logs = LogStore(state_dir / "logs.sqlite")
        # Relays nothing unless a test gives it a URL (and an http client that answers).
        self.trace_forward = TraceForwarder("", http)

    def with_remediation(self, http: httpx.AsyncClient, store: StoreAdmin,
                         lb: LbAdmin | None = None) -> Remediation:
        """The real remediation over this fake's runtime and faults, with the given store and
        HAProxy admin (by default one at a socket that does not exist)."""
        self.http, self.store = http, store
        self.remediation = Remediation(
            self.plan, self.runtime, self.state, self.faults, store, http, cluster=self,
            on_scaled=lambda: None,
            lb=lb or LbAdmin(str(self.state.root / "no-haproxy.sock")))
        return self.remediation

    async def members(self) -> list[Member]:
        return [Member(n, r, leader=(n == LEADER)) for n, r in STACK.items()]

    def healthy(self, name: str) -> bool:
        return name in self.runtime.enabled_names()

    def all_healthy(self) -> bool:
        return True

    def leader(self) -> str:
        return LEADER

    def status(self) -> dict:
        return self.drills.mask_status(
            {"components": [s.model_dump(mode="json") for s in self.runtime.statuses()],
             "endpoints": {}})

    async def stop_stack(self) -> None:
        self.stopped = True

    async def close(self) -> None:
        """Stop a run and the monkey, revert what a test left active (so no deadline timer
        outlives it), and close the HTTP client."""
        if self.runner.current is not None:
            await self.runner.stop("the test ended")
        await self.scheduler.stop()
        await self.faults.abort()
        await self.trace_forward.aclose()
        await self.http.aclose()
        self.logs.close()
