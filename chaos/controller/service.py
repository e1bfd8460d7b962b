"""The controller: boots and supervises the stack, keeps its health, and answers status."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from chaos import etcd_admin, health
from chaos.controller import timeline
from chaos.controls.apps import AppAdminClient
from chaos.controls.disk import DiskThrottle
from chaos.controls.proxy import ProxyClient
from chaos.controls.store import StoreAdmin
from chaos.drills import hiding
from chaos.drills.service import DrillService
from chaos.faults.context import FaultContext
from chaos.faults.manager import FaultManager
from chaos.journal import Journal
from chaos.links import LinkTable
from chaos.logs.ingest import LogIngester
from chaos.logs.store import LogStore
from chaos.pager import config as pager_config
from chaos.pager.store import PageStore
from chaos.remediation import Remediation
from chaos.runtime.base import SupervisingRuntime
from chaos.scenarios.prometheus import Prometheus
from chaos.scenarios.runner import create_runner
from chaos.schedules.service import ChaosScheduler
from chaos.stack import haproxy, prometheus
from chaos.stack.etcd import quota_of
from chaos.stack.plan import StackPlan
from chaos.state import StateDir, write_atomic
from chaos.status_view import ComponentView
from chaos.targets import Member
from chaos.traces.forward import TraceForwarder
from chaos.traces.store import TraceStore

log = logging.getLogger("gameday.controller")

GROUP_TIMEOUT_SECONDS = 45.0
LOG_POLL_SECONDS = 0.5


class Controller:
    def __init__(self, plan: StackPlan, state: StateDir, runtime: SupervisingRuntime,
                 *, traces_forward_url: str = "", log_source: Callable | None = None) -> None:
        self.plan = plan
        self.state = state
        self.runtime = runtime
        # The health loop's last probes: all_healthy() and leader() read them, and so do the
        # remediation and the drills, through this view (never through the controller).
        self.cluster = health.ClusterHealth(lambda: [c.name for c in self.enabled_specs()])
        self.phase = "starting"
        self.adopted: list[str] = []
        self.peer_ids: dict[str, str] = {}
        self.http = httpx.AsyncClient(timeout=1.0)
        self.prober = health.HealthProber()
        self.started_at = time.time()
        self._tasks: list[asyncio.Task] = []
        self.proxy = ProxyClient(self.http, plan.proxy_admin_url, plan.admin_token)
        self.apps = AppAdminClient(
            self.http, lambda name: plan.component(name).url, plan.admin_token
        )
        stores = plan.names("store")
        self.store = StoreAdmin(
            self.http,
            {s: plan.component(s).url for s in stores},
            quota_bytes=quota_of(plan.component(plan.names("store")[0]).argv),
        )
        self.faults = FaultManager(
            FaultContext(
                runtime=runtime,
                links=LinkTable.from_components(plan.names("web"), stores),
                # A runtime may carry some network faults itself (Docker: iptables).
                proxy=runtime.network_control(self.proxy),
                apps=self.apps,
                store=self.store,
                disk=DiskThrottle(runtime, state.root, move=runtime.name == "local"),
            ),
            Journal(state.journal_file),
            members=self.members,
        )
        # One Prometheus client for the scenario runner and the drills.
        prometheus = Prometheus(plan.reach("prometheus"))
        # Scenario runs live here, not in the CLI, so a run outlives the command that started it.
        self.runner = create_runner(
            self.faults, prometheus, plan.reach("loadgen"), state.runs, token=plan.admin_token
        )
        # Scenario schedules and the monkey; both act only through self.faults / self.runner.
        self.scheduler = ChaosScheduler(
            state.root, self.runner, self.faults, self.members,
            # Degraded is the normal state under chaos; starting and stopping are not.
            ready=lambda: self.phase in ("ready", "degraded"))
        # The operator's moves (scale, drain, rollback, ...), logged for drills to measure.
        self.remediation = Remediation(
            plan, runtime, state, self.faults, self.store, self.http, cluster=self.cluster,
            on_scaled=self.write_prometheus_config)
        # Pages from Alertmanager's webhook; kept across controller restarts.
        self.pager = PageStore(state.root / "pages.json")
        # Spans from the stack's OTLP exporters (POST /v1/traces), bounded (docs/observability.md).
        self.traces = TraceStore(state.root / "traces.sqlite")
        # Every component's log file (Compose: `log_source`), in one store (GET /api/logs).
        logs = self.logs = LogStore(state.root / "logs.sqlite")
        self.log_ingester = log_source(logs) if log_source else LogIngester(state.logs, logs)
        # ... and, under Compose, relayed as received to Jaeger for its UI (empty: no relay).
        self.trace_forward = TraceForwarder(traces_forward_url, self.http)
        # Drills hide their faults; status() and the fault and metrics APIs ask it what to hide.
        self.drills = DrillService(
            state.root / "drills", plan, runtime, self.faults, cluster=self.cluster,
            prometheus=prometheus,
            scenario_running=lambda: self.runner.current is not None,
            moves=lambda: self.remediation.actions,
            pages=lambda: list(self.pager.pages.values()))
        self.events = timeline.recorder_for(self)  # the one event log (GET /api/events)

    # -- boot --------------------------------------------------------------------------------

    def enabled_specs(self) -> list:
        enabled = set(self.runtime.enabled_names())
        return [c for c in self.plan.components if c.name in enabled]

    def apply_saved_scale(self) -> None:
        """Enable as many web slots as the last `up` or `scale` asked for."""
        wanted = (self.state.read_json(self.state.scale_file) or {}).get("web")
        if wanted is None:
            return
        for index, name in enumerate(self.plan.names("web")):
            self.runtime.set_enabled(name, index < wanted)

    def write_config_files(self) -> None:
        enabled = set(self.runtime.enabled_names())
        webs = {n for n in self.plan.names("web") if n in enabled}
        write_atomic(
            self.state.component_dir("lb") / "haproxy.cfg", haproxy.render(self.plan, webs)
        )
        self.write_prometheus_config()
        self._write_proxy_config()
        if "alertmanager" in self.plan.names() and self.plan.runtime == "local":
            # It pages the controller with the controller's own bearer token.
            write_atomic(
                self.state.component_dir("alertmanager") / "alertmanager.yml",
                pager_config.render(self.plan.controller_url, str(self.state.token_file)),
            )

    def write_prometheus_config(self) -> None:
        """What Prometheus scrapes follows the web instances in the stack (after a scale)."""
        enabled = set(self.runtime.enabled_names())
        if self.plan.scrape_targets_dir is not None:
            # Compose: Prometheus has its own config file and watches this one for the web job.
            write_atomic(
                Path(self.plan.scrape_targets_dir) / "web.json",
                prometheus.file_sd(self.plan, "web", enabled),
            )
            return
        write_atomic(
            self.state.component_dir("prometheus") / "prometheus.yml",
            prometheus.render(self.plan, enabled),
        )

    def _write_proxy_config(self) -> None:
        self.state.write_json(
            self.state.component_dir("proxy") / "links.json",
            {
                "links": [link.model_dump(exclude_none=True) for link in self.plan.proxy_links],
                "peer_ids": self.peer_ids,
            },
        )

    async def boot(self) -> None:
        """Adopt what a previous controller left running, then start the rest group by group."""
        known = self.state.read_json(self.state.component_dir("proxy") / "links.json") or {}
        self.peer_ids = known.get("peer_ids", {})
        self.apply_saved_scale()
        self.write_config_files()
        self.adopted = self.runtime.adopt_or_none(
            self.state.read_json(self.state.processes_file) or {}
        )
        if self.adopted:
            log.info("adopted running components: %s", ", ".join(self.adopted))
            await self._heal_leftovers()
        for group in sorted({c.start_group for c in self.plan.components}):
            started = self.runtime.start_group(group)
            if started:
                log.info("started %s", ", ".join(started))
            await self._wait_group_healthy(group)
            if group == 1:
                await self._learn_peer_ids()
        # Faults journaled by a controller whose stack also died (disk-fill lives on in etcd's
        # data) can only be reverted now that everything runs again.
        leftover = await self.faults.recover()
        if leftover:
            log.info("reverted %d journaled faults after start", len(leftover))
        self.phase = "ready" if self.all_healthy() else "degraded"

    async def _heal_leftovers(self) -> None:
        """Undo what a crashed controller left: journaled faults first, then a blanket heal."""
        if "proxy" not in self.adopted:
            # A fresh proxy holds no faults; it only has to listen before reverts reach it.
            proxy_group = self.plan.component("proxy").start_group
            self.runtime.start_group(proxy_group)
            await self._wait_group_healthy(proxy_group, timeout=10.0)
        recovered = await self.faults.recover()
        if recovered:
            log.info(
                "reverted %d faults left by the previous controller: %s",
                len(recovered),
                ", ".join(f"{r.type}({r.id})" for r in recovered),
            )
        # Nothing may stay frozen or faulted that the journal did not know about either.
        for name in self.adopted:
            await self.runtime.resume(name)
        try:
            await self.proxy.clear()
        except httpx.HTTPError as exc:
            log.warning("could not clear proxy faults: %s", exc)
        # A drill that died with its controller left the proxy and the web instances quiet.
        webs = [n for n in self.adopted if self.plan.component(n).role == "web"]
        await hiding.set_quiet(self.proxy, self.apps, webs, False)

    async def _wait_group_healthy(self, group: int, timeout: float = GROUP_TIMEOUT_SECONDS) -> None:
        names = [c.name for c in self.enabled_specs() if c.start_group == group]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self.healthy(n) for n in names):
                return
            await asyncio.sleep(0.1)
        log.warning(
            "not healthy after %.0fs: %s",
            timeout,
            [n for n in names if not self.healthy(n)],
        )

    async def _learn_peer_ids(self) -> None:
        """Tell the fault proxy which etcd member id is which store, so peer links get names."""
        for store in self.plan.names("store"):
            try:
                ids = await etcd_admin.member_ids_by_name(self.http, self.plan.component(store).url)
                break
            except httpx.HTTPError:
                continue
        else:
            log.warning("could not list etcd members; peer links stay unnamed")
            return
        self.peer_ids = {hex_id: name for name, hex_id in ids.items()}
        self._write_proxy_config()
        await self.push_peer_ids()

    async def push_peer_ids(self) -> None:
        if not self.peer_ids:
            return
        try:
            await self.proxy.set_peers(self.peer_ids)  # with the token: PUT /peers mutates
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("could not send peer ids to the proxy: %s", exc)

    # -- loops -------------------------------------------------------------------------------

    def start_loops(self) -> None:
        self._tasks = [
            asyncio.create_task(self._supervise_loop(), name="supervise"),
            asyncio.create_task(self._health_loop(), name="health"),
            asyncio.create_task(self.scheduler.run(), name="scheduler"),
            asyncio.create_task(self._logs_loop(), name="logs"),
        ]

    async def _supervise_loop(self) -> None:
        proxy_pid = None
        while True:
            try:
                self.runtime.tick()
                current = self.runtime.status("proxy").pid
                if proxy_pid is not None and current not in (None, proxy_pid):
                    # A restarted proxy forgets the member ids; teach it again once it listens.
                    asyncio.get_running_loop().call_later(
                        1.0, lambda: asyncio.ensure_future(self.push_peer_ids())
                    )
                proxy_pid = current or proxy_pid
            except Exception:  # the supervisor must never die of one bad tick
                log.exception("supervisor tick failed")
            await asyncio.sleep(0.2)

    async def _health_loop(self) -> None:
        while True:
            try:
                self.health = await self.prober.probe_all(self.enabled_specs())
                if self.phase in ("ready", "degraded"):
                    self.phase = "ready" if self.all_healthy() else "degraded"
            except Exception:
                log.exception("health probe failed")
            await asyncio.sleep(0.5)

    async def _logs_loop(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.log_ingester.poll)
            except Exception:
                log.exception("log ingestion failed")
            await asyncio.sleep(LOG_POLL_SECONDS)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.trace_forward.aclose()
        await self.http.aclose()
        await self.prober.aclose()
        self.traces.close()
        self.logs.close()

    # -- queries and commands ------------------------------------------------------------------

    @property
    def health(self) -> dict[str, health.Health]:
        return self.cluster.health

    @health.setter
    def health(self, probes: dict[str, health.Health]) -> None:
        self.cluster.health = probes

    def healthy(self, name: str) -> bool:
        return self.cluster.healthy(name)

    def all_healthy(self) -> bool:
        return self.cluster.all_healthy()

    def leader(self) -> str | None:
        return self.cluster.leader()

    def status(self) -> dict:
        components = []
        for st in self.runtime.statuses():
            spec = self.plan.component(st.name)
            probe = self.health.get(st.name)
            components.append(ComponentView(
                name=st.name, role=st.role, state=st.state.value,
                health="unknown" if probe is None
                else ("healthy" if probe.healthy else "unhealthy"),
                pid=st.pid, url=spec.url,
                leader=probe.leader if (probe and spec.role == "store") else None,
                restarts=st.restarts, held_down=st.held_down, last_exit=st.last_exit,
                exit=st.exit,
            ).model_dump(mode="json"))
        components.append(ComponentView(
            name="controller", role="controller", state="running", health="healthy",
            pid=os.getpid(), url=self.plan.controller_url,
        ).model_dump())
        return self.drills.mask_status({
            "runtime": self.runtime.name,
            "phase": self.phase,
            "healthy": self.all_healthy(),
            "state_dir": str(self.state.root),
            "store_leader": self.leader(),
            "components": components,
            "endpoints": self.plan.endpoints,
        })

    async def members(self) -> list[Member]:
        """The stack as fault targeting sees it, with the store leader read fresh."""
        leaders = await asyncio.gather(
            *(self._leader_now(name) for name in self.plan.names("store"))
        )
        leader_of = dict(zip(self.plan.names("store"), leaders, strict=True))
        return [
            Member(
                name=c.name,
                role=c.role,
                leader=leader_of.get(c.name, False),
                healthy=bool(self.health.get(c.name) and self.health[c.name].healthy),
            )
            for c in self.enabled_specs()
        ]

    async def _leader_now(self, name: str) -> bool:
        try:
            return await etcd_admin.is_leader(self.http, self.plan.component(name).url)
        except (httpx.HTTPError, ValueError):
            return False

    async def revert_all_faults(self) -> None:
        await self.faults.abort()

    async def stop_stack(self) -> None:
        self.phase = "stopping"
        await self.scheduler.stop()
        await self.runner.stop("the stack is stopping")
        await self.drills.stop("the stack is stopping")
        await self.revert_all_faults()
        await self.runtime.stop_all()
        self.state.processes_file.unlink(missing_ok=True)
