"""The stack plan of the Compose stack: the same components, links and metrics as the local
runtime, at fixed container ports on the Compose network instead of free ports on 127.0.0.1.

docker-compose.yml, compose/docker/proxy-links.json and compose/haproxy/haproxy.compose.cfg
are generated from this module (chaos/runtime/compose_files.py);
compose/prometheus/prometheus.compose.yml is checked against it
(tests/docker/test_compose_files.py).

Every hop crosses the fault proxy (container `proxy`), as in the local runtime:
  lb->web-i        proxy:1000i           -> web-i:8000
  web-i->store-j   proxy:110ij           -> store-j:2379
  peer->store-j    proxy:1200j (etcd-peer) -> store-j:2380   (members advertise proxy:1200j)
Because each link is a distinct (proxy address, port) as seen from the dialling container, an
iptables rule in the dialler's network namespace cuts exactly one link (docker_net.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from chaos.stack import etcd
from chaos.stack.plan import ComponentSpec, ProxyLink, StackPlan

STORES = ["store-1", "store-2", "store-3"]
WEB_PORT = 8000
STORE_CLIENT_PORT = 2379
STORE_PEER_PORT = 2380
LB_HTTP_PORT = 8080
LB_STATS_PORT = 8404
PROMETHEUS_PORT = 9090
ALERTMANAGER_PORT = 9093
LOADGEN_PORT = 8089
CONTROLLER_PORT = 8700
PROXY_ADMIN_PORT = 8701
GRAFANA_PORT = 3000
CLUSTER_TOKEN = "gameday-compose"
QUOTA_BACKEND_BYTES = 32 * 1024 * 1024
# The `scrape-targets` volume, in the controller (it writes) and in Prometheus (it reads).
SCRAPE_TARGETS_DIR = "/run/gameday/targets"
PROMETHEUS_TARGETS_DIR = "/etc/prometheus/targets"
# Published ports on the host (127.0.0.1 only) and the env vars that move them.
PUBLISHED = {
    "api": ("GAMEDAY_API_PORT", 8080),
    "prometheus": ("GAMEDAY_PROMETHEUS_PORT", 9090),
    "alertmanager": ("GAMEDAY_ALERTMANAGER_PORT", 9093),
    "controller": ("GAMEDAY_CONTROLLER_PORT", 8700),
    "loadgen": ("GAMEDAY_LOADGEN_PORT", 8089),
    "grafana": ("GAMEDAY_GRAFANA_PORT", 3000),
    "jaeger": ("GAMEDAY_JAEGER_PORT", 16686),  # Jaeger's UI
}


def webs(count: int = 3) -> list[str]:
    return [f"web-{i}" for i in range(1, count + 1)]


def lb_link_port(web: str) -> int:
    return 10000 + int(web.split("-")[1])


def store_link_port(web: str, store: str) -> int:
    return 11000 + 10 * int(web.split("-")[1]) + int(store.split("-")[1])


def peer_link_port(store: str) -> int:
    return 12000 + int(store.split("-")[1])


def proxy_links(web_names: list[str]) -> list[ProxyLink]:
    links = [
        ProxyLink(name=f"peer->{s}", listen=f"0.0.0.0:{peer_link_port(s)}",
                  upstream=f"{s}:{STORE_PEER_PORT}", kind="etcd-peer", dst=s)
        for s in STORES
    ]
    links += [
        ProxyLink(name=f"lb->{w}", listen=f"0.0.0.0:{lb_link_port(w)}", upstream=f"{w}:{WEB_PORT}")
        for w in web_names
    ]
    links += [
        ProxyLink(name=f"{w}->{s}", listen=f"0.0.0.0:{store_link_port(w, s)}",
                  upstream=f"{s}:{STORE_CLIENT_PORT}")
        for w in web_names for s in STORES
    ]
    return links


def link_address(name: str) -> tuple[str, int]:
    """(host, port) that the dialler of link `name` connects to: always the fault proxy."""
    src, dst = name.split("->")
    if src == "lb":
        return "proxy", lb_link_port(dst)
    if src.startswith("web-"):
        return "proxy", store_link_port(src, dst)
    return "proxy", peer_link_port(dst)


def store_argv(store: str) -> list[str]:
    """etcd's flags under Compose (docker-compose.yml is generated with them)."""
    initial = ",".join(f"{s}=http://proxy:{peer_link_port(s)}" for s in STORES)
    return etcd.member_argv(
        name=store, data_dir="/var/lib/etcd/data", listen_host="0.0.0.0",
        advertise_host=store, client_port=STORE_CLIENT_PORT, peer_port=STORE_PEER_PORT,
        advertised_peer_url=f"http://proxy:{peer_link_port(store)}", initial_cluster=initial,
        cluster_token=CLUSTER_TOKEN, quota_backend_bytes=QUOTA_BACKEND_BYTES)


def web_store_endpoints(web: str) -> str:
    index = int(web.split("-")[1]) - 1
    rotated = STORES[index % 3:] + STORES[: index % 3]
    return ",".join(f"http://proxy:{store_link_port(web, s)}" for s in rotated)


def published_port(endpoint: str, env: dict[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    var, default = PUBLISHED[endpoint]
    return int(env.get(var) or default)


def public_endpoints(public_host: str, env: dict[str, str] | None = None,
                     grafana: bool = True, jaeger: bool = True) -> dict[str, str]:
    names = ["api", "prometheus", "alertmanager", "controller", "loadgen"] + \
        (["grafana"] if grafana else []) + (["jaeger"] if jaeger else [])
    return {n: f"http://{public_host}:{published_port(n, env)}" for n in names}


def _url(host: str, port: int, path: str = "") -> str:
    return f"http://{host}:{port}{path}"


def build_compose_plan(state_dir: Path, *, admin_token: str, web_count: int = 3,
                       public_host: str = "127.0.0.1", env: dict[str, str] | None = None,
                       grafana: bool = True, jaeger: bool = True) -> StackPlan:
    """The plan the controller uses inside Compose (container URLs, bind 0.0.0.0); Grafana's
    and Jaeger's UIs are endpoints when their services exist (not in the offline stack)."""
    web_names = webs(web_count)
    components = [
        ComponentSpec(
            name="proxy", role="proxy",
            argv=["python", "-m", "chaos.proxy", "--config", "/etc/gameday/proxy-links.json",
                  "--admin-host", "0.0.0.0", "--admin-port", str(PROXY_ADMIN_PORT)],
            ports={"admin": PROXY_ADMIN_PORT}, url=_url("proxy", PROXY_ADMIN_PORT),
            health_url=_url("proxy", PROXY_ADMIN_PORT, "/healthz"),
            metrics_url=_url("proxy", PROXY_ADMIN_PORT, "/metrics"), start_group=0,
        )
    ]
    for s in STORES:
        components.append(ComponentSpec(
            name=s, role="store", argv=store_argv(s),
            ports={"client": STORE_CLIENT_PORT, "peer": STORE_PEER_PORT},
            url=_url(s, STORE_CLIENT_PORT), health_url=_url(s, STORE_CLIENT_PORT, "/health"),
            metrics_url=_url(s, STORE_CLIENT_PORT, "/metrics"), start_group=1,
        ))
    for w in web_names:
        components.append(ComponentSpec(
            name=w, role="web", argv=["python", "-m", "services.web"],
            env={"GAMEDAY_WEB_NAME": w, "GAMEDAY_WEB_HOST": "0.0.0.0",
                 "GAMEDAY_WEB_PORT": str(WEB_PORT),
                 "GAMEDAY_WEB_STORE_ENDPOINTS": web_store_endpoints(w)},
            ports={"http": WEB_PORT}, url=_url(w, WEB_PORT),
            health_url=_url(w, WEB_PORT, "/readyz"), metrics_url=_url(w, WEB_PORT, "/metrics"),
            start_group=2, memory_limit_mb=256,
        ))
    components.append(ComponentSpec(
        name="lb", role="lb",
        argv=["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"],
        ports={"http": LB_HTTP_PORT, "stats": LB_STATS_PORT}, url=_url("lb", LB_HTTP_PORT),
        health_url=_url("lb", LB_STATS_PORT, "/healthz"),
        metrics_url=_url("lb", LB_STATS_PORT, "/metrics"), start_group=3,
    ))
    components.append(ComponentSpec(
        name="prometheus", role="prometheus", argv=["prometheus"],
        ports={"http": PROMETHEUS_PORT}, url=_url("prometheus", PROMETHEUS_PORT),
        health_url=_url("prometheus", PROMETHEUS_PORT, "/-/ready"),
        metrics_url=_url("prometheus", PROMETHEUS_PORT, "/metrics"), start_group=3,
    ))
    # Prometheus sends it every alert; it pages the controller (compose/alertmanager/).
    components.append(ComponentSpec(
        name="alertmanager", role="alertmanager", argv=["alertmanager"],
        ports={"http": ALERTMANAGER_PORT}, url=_url("alertmanager", ALERTMANAGER_PORT),
        health_url=_url("alertmanager", ALERTMANAGER_PORT, "/-/ready"),
        metrics_url=_url("alertmanager", ALERTMANAGER_PORT, "/metrics"), start_group=3,
    ))
    components.append(ComponentSpec(
        name="loadgen", role="loadgen", argv=["python", "-m", "services.loadgen"],
        ports={"http": LOADGEN_PORT}, url=_url("loadgen", LOADGEN_PORT),
        health_url=_url("loadgen", LOADGEN_PORT, "/gameday/load"),
        metrics_url=_url("loadgen", LOADGEN_PORT, "/metrics"), start_group=4,
    ))
    return StackPlan(
        state_dir=str(state_dir), host="0.0.0.0", cluster_token=CLUSTER_TOKEN,
        controller_port=CONTROLLER_PORT, components=components,
        runtime="docker",
        endpoints=public_endpoints(public_host, env, grafana=grafana, jaeger=jaeger),
        internal_endpoints={
            "api": _url("lb", LB_HTTP_PORT), "prometheus": _url("prometheus", PROMETHEUS_PORT),
            "alertmanager": _url("alertmanager", ALERTMANAGER_PORT),
            "loadgen": _url("loadgen", LOADGEN_PORT),
            "controller": _url("controller", CONTROLLER_PORT),
        },
        proxy_links=proxy_links(web_names),
        lb_admin_socket="/var/lib/haproxy/admin.sock", admin_token=admin_token,
        scrape_targets_dir=SCRAPE_TARGETS_DIR,
    )


def public_plan(plan: StackPlan, public_host: str = "127.0.0.1",
                env: dict[str, str] | None = None) -> StackPlan:
    """What the CLI on the host reads from stack.json: the controller at its published port."""
    return plan.model_copy(update={
        "host": public_host, "controller_port": published_port("controller", env),
    })


def proxy_config(web_count: int = 3) -> dict:
    """Content of compose/docker/proxy-links.json."""
    return {"links": [link.model_dump(exclude_none=True) for link in proxy_links(webs(web_count))],
            "peer_ids": {}}
