"""A controller for API tests: the real fault manager and drill service over the fake runtime.

The routers get the same surface as from the real controller (faults, drills, plan, status),
so they need no branch for a controller that lacks a part.
"""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace

from chaos.controller.faults import FaultManager
from chaos.drills.service import DrillService
from chaos.journal import Journal
from chaos.pager.store import PageStore
from chaos.scenarios.probes import QueryFailed
from chaos.state import StateDir
from chaos.targets import Member
from chaos.testing.fakes import STACK, fake_context

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


class FakePlan:
    """The plan's names: `planned` may list standby slots that the fake runtime never runs."""

    endpoints = {"prometheus": "http://prometheus.invalid"}

    def __init__(self, planned: dict[str, str]) -> None:
        self.planned = planned

    def names(self, role: str | None = None) -> list[str]:
        return [n for n, r in self.planned.items() if role is None or r == role]

    def reach(self, endpoint: str) -> str | None:
        return self.endpoints.get(endpoint)

    @property
    def components(self) -> list[SimpleNamespace]:
        return [SimpleNamespace(name=n) for n in self.planned]


class FakeController:
    """Everything the routers read, over the fake runtime of `STACK` with store-1 leading."""

    def __init__(self, state_dir: Path, planned: dict[str, str] = STACK) -> None:
        context = fake_context()
        self.runtime = context.runtime
        self.plan = FakePlan(planned)
        self.state = StateDir(state_dir)
        self.health: dict = {}
        self.runner = SimpleNamespace(current=None, runs=lambda: [])
        self.remediation = SimpleNamespace(actions=[])
        self.faults = FaultManager(
            context, Journal(state_dir / "journal.jsonl"), self.members, random.Random(3)
        )
        self.drills = DrillService(self, prometheus=FakePrometheus(), poll_seconds=0.05)
        self.pager = PageStore(state_dir / "pages.json")

    async def members(self) -> list[Member]:
        return [Member(n, r, leader=(n == LEADER)) for n, r in STACK.items()]

    def all_healthy(self) -> bool:
        return True

    def leader(self) -> str:
        return LEADER

    def status(self) -> dict:
        return self.drills.mask_status(
            {"components": [s.model_dump(mode="json") for s in self.runtime.statuses()],
             "endpoints": {}})

    async def close(self) -> None:
        """Revert what a test left active, so no deadline timer outlives it."""
        await self.faults.abort()
