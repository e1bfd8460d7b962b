"""The stack plan: every component, its command line, ports and URLs, decided once at `up`.

The plan is saved to stack.json and reused, because etcd members remember their peer URLs
and the controller must be able to restart or adopt any component after a crash.
"""

from __future__ import annotations

import secrets
import shutil
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from chaos.settings import Settings
from chaos.stack import etcd
from chaos.stack.ports import PortAllocator
from chaos.state import STACK_MEMBER_ENV

Role = Literal["web", "store", "lb", "proxy", "prometheus", "alertmanager", "loadgen"]

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_DIR = REPO_ROOT / "compose"
STORE_MEMBERS = 3

DEFAULT_PORTS = {"api": 8080, "prometheus": 9090, "controller": 8700, "loadgen": 8089,
                 "alertmanager": 9093}


def alertmanager_binary() -> str:
    """Debian installs Alertmanager as prometheus-alertmanager; upstream names it alertmanager."""
    return shutil.which("prometheus-alertmanager") or "alertmanager"


class ProxyLink(BaseModel):
    name: str
    listen: str
    upstream: str
    kind: Literal["tcp", "etcd-peer"] = "tcp"
    dst: str | None = None

    @property
    def listen_port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])


class ComponentSpec(BaseModel):
    name: str
    role: Role
    argv: list[str]
    env: dict[str, str] = Field(default_factory=dict)
    ports: dict[str, int] = Field(default_factory=dict)
    url: str
    health_url: str
    metrics_url: str | None = None
    # Components of a lower group start (and become healthy) before the next group starts.
    start_group: int = 0
    memory_limit_mb: int | None = None
    # A planned slot that is not running until `gameday scale` brings it in.
    standby: bool = False


class StackPlan(BaseModel):
    version: int = 1
    runtime: Literal["local", "docker"] = "local"
    state_dir: str
    host: str
    cluster_token: str
    controller_port: int
    components: list[ComponentSpec]
    # What users open (published on the host).
    endpoints: dict[str, str]
    # What the controller itself calls, when that differs (inside Compose: container names).
    internal_endpoints: dict[str, str] = Field(default_factory=dict)
    proxy_links: list[ProxyLink]
    lb_admin_socket: str
    # Compose: Prometheus reads the web job's targets from <dir>/web.json (file_sd), which the
    # controller rewrites when it scales. Locally (None) it rewrites the whole config instead.
    scrape_targets_dir: str | None = None
    # Lets the controller, and only it, drive the web instances' admin API.
    admin_token: str
    conflicts: list[str] = Field(default_factory=list)

    def component(self, name: str) -> ComponentSpec:
        for spec in self.components:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def names(self, role: str | None = None) -> list[str]:
        """Every planned component, standby slots included."""
        return [c.name for c in self.components if role is None or c.role == role]

    def reach(self, endpoint: str) -> str | None:
        """The URL the controller uses to call an endpoint (api, prometheus, loadgen)."""
        return self.internal_endpoints.get(endpoint) or self.endpoints.get(endpoint)

    @property
    def controller_url(self) -> str:
        return f"http://{self.host}:{self.controller_port}"

    @property
    def proxy_admin_url(self) -> str:
        return self.component("proxy").url


def _url(host: str, port: int, path: str = "") -> str:
    return f"http://{host}:{port}{path}"


def build_plan(settings: Settings) -> StackPlan:
    host = settings.host
    state = Path(settings.state_dir).expanduser().resolve()
    ports = PortAllocator(host, use_defaults=settings.ports == "default")
    python = sys.executable

    api_port = ports.default("api", DEFAULT_PORTS["api"])
    prometheus_port = ports.default("prometheus", DEFAULT_PORTS["prometheus"])
    controller_port = ports.default("controller", DEFAULT_PORTS["controller"])
    alertmanager_port = ports.default("alertmanager", DEFAULT_PORTS["alertmanager"])
    loadgen_port = ports.default("loadgen", DEFAULT_PORTS["loadgen"]) if settings.load else 0

    stores = [f"store-{i}" for i in range(1, STORE_MEMBERS + 1)]
    webs = [f"web-{i}" for i in range(1, max(settings.web_slots, settings.web_instances) + 1)]
    store_client = {s: ports.free() for s in stores}
    store_peer = {s: ports.free() for s in stores}
    web_port = {w: ports.free() for w in webs}
    proxy_admin = ports.free()
    lb_stats = ports.free()

    links: list[ProxyLink] = []

    def link(name: str, upstream_port: int, **extra: str) -> ProxyLink:
        made = ProxyLink(
            name=name, listen=f"{host}:{ports.free()}", upstream=f"{host}:{upstream_port}", **extra
        )
        links.append(made)
        return made

    peer_links = {s: link(f"peer->{s}", store_peer[s], kind="etcd-peer", dst=s) for s in stores}
    {w: link(f"lb->{w}", web_port[w]) for w in webs}
    web_store_links = {(w, s): link(f"{w}->{s}", store_client[s]) for w in webs for s in stores}

    cluster_token = f"gameday-{secrets.token_hex(4)}"
    admin_token = secrets.token_urlsafe(24)
    initial_cluster = ",".join(f"{s}={_url(host, peer_links[s].listen_port)}" for s in stores)
    marker = {STACK_MEMBER_ENV: str(state)}

    def spec(name: str, role: Role, argv: list[str], port: int, health: str, start_group: int, *,
             stats: int | None = None, named_ports: dict[str, int] | None = None,
             env: dict[str, str] | None = None, **extra: object) -> ComponentSpec:
        """A component served at `port`, answering `health` and /metrics on `stats` (default:
        the same port), with the stack's marker in its environment."""
        probe = stats or port
        return ComponentSpec(
            name=name,
            role=role,
            argv=argv,
            env={**marker, **(env or {})},
            ports=named_ports or {"http": port},
            url=_url(host, port),
            health_url=_url(host, probe, health),
            metrics_url=_url(host, probe, "/metrics"),
            start_group=start_group,
            **extra,
        )

    proxy_argv = [python, "-m", "chaos.proxy", "--config", str(state / "proxy" / "links.json"),
                  "--admin-host", host, "--admin-port", str(proxy_admin)]
    # Its admin API refuses mutating calls without the stack's token.
    components = [spec("proxy", "proxy", proxy_argv, proxy_admin, "/healthz", 0,
                       named_ports={"admin": proxy_admin},
                       env={"GAMEDAY_ADMIN_TOKEN": admin_token})]
    for s in stores:
        argv = etcd.member_argv(
            name=s,
            data_dir=state / s,
            listen_host=host,
            client_port=store_client[s],
            peer_port=store_peer[s],
            advertised_peer_url=_url(host, peer_links[s].listen_port),
            initial_cluster=initial_cluster,
            cluster_token=cluster_token,
            quota_backend_bytes=settings.etcd_quota_backend_bytes,
        )
        components.append(spec(s, "store", argv, store_client[s], "/health", 1,
                               named_ports={"client": store_client[s], "peer": store_peer[s]}))
    for index, w in enumerate(webs):
        # Each instance prefers a different member first, spreading client load over the cluster.
        rotated = stores[index % len(stores) :] + stores[: index % len(stores)]
        endpoints = ",".join(_url(host, web_store_links[(w, s)].listen_port) for s in rotated)
        env = {
            "GAMEDAY_WEB_NAME": w,
            "GAMEDAY_WEB_HOST": host,
            "GAMEDAY_WEB_PORT": str(web_port[w]),
            "GAMEDAY_WEB_STORE_ENDPOINTS": endpoints,
            "GAMEDAY_WEB_ADMIN_TOKEN": admin_token,
        }
        components.append(spec(w, "web", [python, "-m", "services.web"], web_port[w], "/readyz", 2,
                               env=env, memory_limit_mb=settings.web_memory_limit_mb,
                               standby=index >= settings.web_instances))
    lb_dir = state / "lb"
    components.append(spec("lb", "lb", ["haproxy", "-W", "-db", "-f", str(lb_dir / "haproxy.cfg")],
                           api_port, "/healthz", 3, stats=lb_stats,
                           named_ports={"http": api_port, "stats": lb_stats}))
    prometheus_dir = state / "prometheus"
    prometheus_argv = [
        "prometheus",
        f"--config.file={prometheus_dir / 'prometheus.yml'}",
        f"--storage.tsdb.path={prometheus_dir / 'data'}",
        "--storage.tsdb.retention.time=2d",
        f"--web.listen-address={host}:{prometheus_port}",
        "--web.enable-lifecycle",
        # Web's latency histogram carries trace ids as exemplars (docs/observability.md).
        "--enable-feature=exemplar-storage",
        "--log.level=warn",
    ]
    components.append(spec("prometheus", "prometheus", prometheus_argv, prometheus_port,
                           "/-/ready", 3))
    # Prometheus sends it every alert; it pages the controller (chaos/pager/config.py).
    alertmanager_dir = state / "alertmanager"
    alertmanager_argv = [
        alertmanager_binary(),
        f"--config.file={alertmanager_dir / 'alertmanager.yml'}",
        f"--storage.path={alertmanager_dir / 'data'}",
        f"--web.listen-address={host}:{alertmanager_port}",
        "--cluster.listen-address=",  # one instance: no gossip port
        "--log.level=warn",
    ]
    components.append(spec("alertmanager", "alertmanager", alertmanager_argv, alertmanager_port,
                           "/-/ready", 3))
    if settings.load:
        loadgen_argv = [python, "-m", "services.loadgen", "--target", _url(host, api_port),
                        "--web-host", host, "--web-port", str(loadgen_port),
                        "--rate", str(settings.load_rate)]
        # Its control (POST /gameday/load, the sweep) needs the stack's token.
        components.append(spec("loadgen", "loadgen", loadgen_argv, loadgen_port, "/gameday/load",
                               4, env={"GAMEDAY_ADMIN_TOKEN": admin_token}))

    endpoints = {
        "api": _url(host, api_port),
        "prometheus": _url(host, prometheus_port),
        "controller": _url(host, controller_port),
        "alertmanager": _url(host, alertmanager_port),
    }
    if settings.load:
        endpoints["loadgen"] = _url(host, loadgen_port)
    return StackPlan(
        state_dir=str(state),
        host=host,
        cluster_token=cluster_token,
        controller_port=controller_port,
        components=components,
        endpoints=endpoints,
        proxy_links=links,
        lb_admin_socket=str(lb_dir / "admin.sock"),
        admin_token=admin_token,
        conflicts=ports.conflicts,
    )
