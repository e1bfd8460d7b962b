"""The moves an SRE makes to mitigate an incident: scale, drain, roll back, restart, and
recover the store. Every move is logged, so drills can measure time to mitigate."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from chaos.cluster import ClusterView
from chaos.controls.lb import LbAdmin
from chaos.controls.store import StoreAdmin, StoreUnreachable
from chaos.refusal import Refusal
from chaos.state import StateDir

if TYPE_CHECKING:
    from chaos.faults.manager import FaultManager
    from chaos.runtime.base import SupervisingRuntime
    from chaos.stack.plan import StackPlan

log = logging.getLogger("gameday.remediation")

DRAIN_TIMEOUT_SECONDS = 15.0


class RemediationError(Refusal):
    """A move refused or only partly made; `errors` names each member that failed."""


def unreachable(exc: StoreUnreachable) -> RemediationError:
    return RemediationError(
        503,
        f"the store could not {exc}",
        [{"field": f"members.{m}", "message": why} for m, why in exc.failed.items()],
    )


# Every move's name (its `action`), so its counter exists at 0 before the first one.
ACTIONS = ("drain", "ready", "scale", "rollback", "restart", "move-leader", "store-defrag",
           "store-disarm")


class Remediation:
    """The operator's moves, over the few parts of the stack they touch: the runtime (processes),
    HAProxy (through its admin socket), the store, the fault manager (a rollback ends a bad
    deploy), and `on_scaled` (rewrite Prometheus' targets)."""

    def __init__(self, plan: StackPlan, runtime: SupervisingRuntime, state: StateDir,
                 faults: FaultManager, store: StoreAdmin, http: httpx.AsyncClient, *,
                 cluster: ClusterView, on_scaled: Callable[[], None],
                 lb: LbAdmin | None = None) -> None:
        self.plan, self.runtime, self.state = plan, runtime, state
        self.faults, self.store, self.http = faults, store, http
        self.cluster, self.on_scaled = cluster, on_scaled
        self.lb = lb or LbAdmin(plan.lb_admin_socket)
        self.actions: list[dict[str, Any]] = []
        self._lock = asyncio.Lock()

    def _log(self, action: str, **details: Any) -> dict[str, Any]:
        entry = {"ts": time.time(), "action": action, **details}
        self.actions.append(entry)
        log.info("remediation: %s %s", action, details)
        return entry

    def _web(self, name: str) -> None:
        if name not in self.runtime.enabled_names() or not name.startswith("web-"):
            webs = [n for n in self.runtime.enabled_names() if n.startswith("web-")]
            raise RemediationError(404, f"unknown web instance {name!r}; running: {webs}")

    # -- traffic -----------------------------------------------------------------------------

    async def drain(self, name: str, wait: bool = True) -> dict[str, Any]:
        """Stop sending new requests to `name`; optionally wait until its sessions finish."""
        self._web(name)
        await self.lb.set_state(name, "drain")
        remaining = await self._wait_drained(name) if wait else None
        return self._log("drain", component=name, remaining_sessions=remaining)

    async def ready(self, name: str) -> dict[str, Any]:
        self._web(name)
        await self.lb.set_state(name, "ready")
        return self._log("ready", component=name)

    async def _wait_drained(self, name: str) -> int:
        deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
        sessions = await self.lb.sessions(name)
        while sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            sessions = await self.lb.sessions(name)
        return sessions

    # -- capacity ----------------------------------------------------------------------------

    async def scale(self, role: str, count: int) -> dict[str, Any]:
        if role != "web":
            raise RemediationError(422, f"role: only web can be scaled, not {role!r}",
                                   [{"field": "role", "message": "allowed: web"}])
        slots = self.plan.names("web")
        if not 1 <= count <= len(slots):
            raise RemediationError(422, f"count: web can be scaled from 1 to {len(slots)}",
                                   [{"field": "count", "message": f"from 1 to {len(slots)}"}])
        async with self._lock:
            runtime = self.runtime
            running = [n for n in slots if n in runtime.enabled_names()]
            adding = [n for n in slots[:count] if n not in running]
            removing = [n for n in running if n not in slots[:count]]
            for name in adding:
                runtime.set_enabled(name, True)
                await runtime.start(name)
            if adding:
                await self._wait_healthy(adding)
                for name in adding:
                    await self.lb.set_state(name, "ready")
            for name in removing:
                # Drain first, so in-flight requests finish before the process goes away.
                await self.lb.set_state(name, "drain")
                await self._wait_drained(name)
                await self.lb.set_state(name, "maint")
                await runtime.stop(name, hold=False)
                runtime.set_enabled(name, False)
            self.state.write_json(self.state.scale_file, {"web": count})
            self.on_scaled()
            await self._reload_prometheus()
        return self._log("scale", role=role, count=count, added=adding, removed=removing)

    async def _wait_healthy(self, names: list[str], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self.cluster.healthy(n) for n in names):
                return
            await asyncio.sleep(0.2)
        raise RemediationError(504, f"{', '.join(names)} did not become healthy in {timeout:.0f}s")

    async def _reload_prometheus(self) -> None:
        url = self.plan.reach("prometheus")
        try:
            await self.http.post(f"{url}/-/reload", timeout=5.0)
        except httpx.HTTPError as exc:
            log.warning("prometheus reload failed: %s", exc)

    # -- releases and processes --------------------------------------------------------------

    async def rollback(self, name: str) -> dict[str, Any]:
        """Back to the last good release; an active bad-deploy fault on it ends here."""
        self._web(name)
        faults = self.faults
        for record in faults.active():
            if record.type == "bad-deploy" and name in record.targets:
                await faults.revert(record.id)
                # A drill's faults stay hidden: the log says what the operator did, nothing more.
                return self._log("rollback", component=name)
        await self.runtime.restart(name, env={})
        return self._log("rollback", component=name)

    async def restart(self, name: str) -> dict[str, Any]:
        if name not in self.runtime.enabled_names():
            raise RemediationError(404, f"unknown component {name!r}")
        await self.runtime.restart(name)
        return self._log("restart", component=name)

    # -- the store ---------------------------------------------------------------------------

    async def move_leader(self, target: str) -> dict[str, Any]:
        plan = self.plan
        stores = plan.names("store")
        if target not in stores:
            raise RemediationError(404, f"unknown store member {target!r}; members: {stores}")
        leader = self.cluster.leader()
        if leader is None:
            raise RemediationError(409, "the store has no leader to hand over from")
        if leader == target:
            return self._log("move-leader", to=target, note="already the leader")
        http = self.http
        try:
            ids = await _member_ids(http, plan.component(leader).url)
            response = await http.post(
                f"{plan.component(leader).url}/v3/maintenance/transfer-leadership",
                json={"targetID": ids[target]},
                timeout=10.0,
            )
        except httpx.HTTPError as exc:
            raise RemediationError(
                503,
                f"the leader {leader} does not answer ({type(exc).__name__}); try again",
                [{"field": f"members.{leader}", "message": f"unreachable: {exc}"}],
            ) from None
        except KeyError:
            raise RemediationError(409, f"{target} is not a member of the cluster now") from None
        if response.status_code != 200:
            raise RemediationError(502, f"etcd refused the leader move: {response.text[:200]}")
        return self._log("move-leader", frm=leader, to=target)

    async def defrag(self) -> dict[str, Any]:
        try:
            members = await self.store.compact_and_defrag()
        except StoreUnreachable as exc:
            self._log("store-defrag", members=exc.results)
            raise unreachable(exc) from None
        return self._log("store-defrag", members=members)

    async def disarm(self) -> dict[str, Any]:
        try:
            cleared = await self.store.disarm()
        except StoreUnreachable as exc:
            raise unreachable(exc) from None
        return self._log("store-disarm", alarms_cleared=cleared)


async def _member_ids(http: httpx.AsyncClient, url: str) -> dict[str, str]:
    response = await http.post(f"{url}/v3/cluster/member/list", json={}, timeout=2.0)
    response.raise_for_status()
    return {m["name"]: m["ID"] for m in response.json().get("members", [])}
