"""Fakes of the controls faults drive, for testing the controller without a stack."""

from __future__ import annotations

from typing import Any

from chaos.faults.context import FaultContext
from chaos.links import LinkTable
from chaos.netfaults.control import NetworkControl
from chaos.netfaults.schemas import (
    PARAMS,
    Direction,
    FaultSpec,
    LinkRef,
    check_fault_id,
    links_json,
)
from chaos.runtime.fake import FakeRuntime


class FakeProxy(NetworkControl):
    """The fault proxy's contract without the proxy: refuses what `chaos.proxy` refuses (same
    id grammar, same kinds, same params schemas) and keeps its fault table in the shape of the
    proxy's `GET /faults`. Held to that by tests/chaos/contracts/test_proxy_contract.py."""

    def __init__(self) -> None:
        # fault id -> {"id", "kind", "links", "direction", "params"}, as `GET /faults` shows it.
        self.faults: dict[str, dict[str, Any]] = {}
        self.fail_removals = 0
        self.quiet = False

    async def add_fault(
        self, fault_id: str, kind: str, links: list[LinkRef], direction: Direction,
        params: dict[str, Any],
    ) -> None:
        spec = FaultSpec.model_validate(
            {"id": fault_id, "kind": kind, "links": links_json(links), "direction": direction,
             "params": params}
        )
        if spec.kind not in PARAMS:
            raise ValueError(f"kind: unknown fault kind {spec.kind!r}; known: {sorted(PARAMS)}")
        checked = PARAMS[spec.kind].model_validate(spec.params)
        self.faults[spec.id] = {
            "id": spec.id,
            "kind": spec.kind,
            "links": links_json(spec.links),
            "direction": spec.direction,
            "params": checked.model_dump(),
        }

    async def remove_fault(self, fault_id: str) -> None:
        check_fault_id(fault_id)
        if self.fail_removals:
            self.fail_removals -= 1
            raise ConnectionError("proxy unreachable")
        self.faults.pop(fault_id, None)

    async def clear(self) -> None:
        self.faults.clear()

    async def set_quiet(self, quiet: bool) -> None:
        self.quiet = quiet


class FakeApps:
    def __init__(self) -> None:
        self.faults: dict[tuple[str, str], dict[str, Any]] = {}
        self.quiet: set[str] = set()  # instances exporting no fault metrics (drills)

    async def add_fault(
        self,
        component: str,
        fault_id: str,
        kind: str,
        params: dict[str, Any],
        expires_in: float | None,
    ) -> None:
        self.faults[(component, fault_id)] = {
            "kind": kind,
            "params": params,
            "expires_in": expires_in,
        }

    async def remove_fault(self, component: str, fault_id: str) -> None:
        self.faults.pop((component, fault_id), None)

    async def clear(self, component: str) -> None:
        for key in [k for k in self.faults if k[0] == component]:
            del self.faults[key]

    async def set_quiet(self, component: str, quiet: bool) -> None:
        (self.quiet.add if quiet else self.quiet.discard)(component)


class FakeStore:
    def __init__(self) -> None:
        self.filled: dict[str, str] = {}

    async def fill(self, member: str, fault_id: str) -> dict[str, Any]:
        self.filled[fault_id] = member
        return {"chunks": 1}

    async def unfill(self, fault_id: str) -> None:
        self.filled.pop(fault_id, None)


class FakeDisk:
    """Keeps DiskThrottle's contract: caps per member and fault, unthrottle idempotent, a
    member that is not running cannot be slowed."""

    def __init__(self, runtime: FakeRuntime | None = None) -> None:
        self.runtime = runtime
        self.caps: dict[tuple[str, str], tuple[int, int]] = {}

    def unavailable_reason(self) -> str | None:
        return None

    async def throttle(
        self, member: str, fault_id: str, write_bps: int, write_iops: int
    ) -> dict[str, Any]:
        if self.runtime is not None and not self.runtime.status(member).pid:
            raise RuntimeError(f"{member} is not running: no process to slow")
        self.caps[(member, fault_id)] = (write_bps, write_iops)
        return {"cgroup": f"fake/{member}", "devices": ["254:0"], "pids": []}

    async def unthrottle(self, member: str, fault_id: str) -> None:
        self.caps.pop((member, fault_id), None)


STACK = {
    "lb": "lb",
    "web-1": "web",
    "web-2": "web",
    "web-3": "web",
    "store-1": "store",
    "store-2": "store",
    "store-3": "store",
    "prometheus": "prometheus",
    "proxy": "proxy",
}


def fake_context(runtime: FakeRuntime | None = None) -> FaultContext:
    runtime = runtime or FakeRuntime(STACK)
    names = list(STACK)
    return FaultContext(
        runtime=runtime,
        links=LinkTable.from_components(
            [n for n in names if STACK[n] == "web"], [n for n in names if STACK[n] == "store"]
        ),
        proxy=FakeProxy(),
        apps=FakeApps(),
        store=FakeStore(),
        disk=FakeDisk(runtime),
    )
