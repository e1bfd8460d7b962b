"""The stack plan and the configs rendered from it, checked by the real tools."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from chaos.settings import Settings
from chaos.stack import haproxy, prometheus
from chaos.stack.plan import build_plan
from chaos.stack.ports import PortAllocator, pick_free_port


@pytest.fixture
def plan(tmp_path):
    return build_plan(Settings(state_dir=tmp_path, ports="free", web_instances=3))


def test_plan_names_every_component_and_gives_distinct_ports(plan):
    running = [c.name for c in plan.components if not c.standby]
    assert running == [
        "proxy",
        "store-1",
        "store-2",
        "store-3",
        "web-1",
        "web-2",
        "web-3",
        "lb",
        "prometheus",
        "alertmanager",
        "loadgen",
    ]
    # Spare web slots are planned up front so `gameday scale` needs no HAProxy reload.
    assert [c.name for c in plan.components if c.standby] == [f"web-{i}" for i in range(4, 9)]
    ports = [p for c in plan.components for p in c.ports.values()]
    ports += [link.listen_port for link in plan.proxy_links]
    assert len(ports) == len(set(ports))


def test_every_hop_goes_through_the_fault_proxy(plan):
    links = {link.name for link in plan.proxy_links}
    assert {"lb->web-1", "web-2->store-3", "peer->store-1"} <= links
    web = plan.component("web-2")
    endpoints = web.env["GAMEDAY_WEB_STORE_ENDPOINTS"].split(",")
    proxied = {
        f"http://{link.listen}" for link in plan.proxy_links if link.name.startswith("web-2->")
    }
    assert set(endpoints) == proxied
    store = plan.component("store-1")
    assert any(
        arg.startswith("--initial-advertise-peer-urls=")
        and str(next(k.listen_port for k in plan.proxy_links if k.name == "peer->store-1")) in arg
        for arg in store.argv
    )


def test_a_busy_default_port_is_reported_not_ignored():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        allocator = PortAllocator("127.0.0.1")
        got = allocator.default("api", taken)
    assert got != taken
    assert allocator.conflicts == [f"port {taken} (api) is in use; using {got} instead"]


def test_free_ports_are_distinct():
    allocator = PortAllocator("127.0.0.1", use_defaults=False)
    assert len({allocator.free() for _ in range(50)}) == 50
    assert pick_free_port("127.0.0.1") > 0


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy not installed")
def test_haproxy_accepts_the_rendered_config(plan, tmp_path):
    path = tmp_path / "haproxy.cfg"
    path.write_text(haproxy.render(plan))
    result = subprocess.run(["haproxy", "-c", "-f", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    text = path.read_text()
    assert (
        "server web-3 " in text and "disabled" not in text.split("server web-3 ")[1].split("\n")[0]
    )
    assert "disabled" in text.split("server web-4 ")[1].split("\n")[0]
    assert "option httpchk GET /readyz" in text
    assert "inter 500ms" in text and "fall 2 rise 2" in text and "observe layer4" in text
    assert "option redispatch" in text and "prometheus-exporter" in text


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_promtool_accepts_the_rendered_prometheus_config(plan, tmp_path):
    path = tmp_path / "prometheus.yml"
    path.write_text(prometheus.render(plan))
    result = subprocess.run(
        ["promtool", "check", "config", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = path.read_text()
    assert "scrape_interval: 1s" in text and "evaluation_interval: 1s" in text
    for job in ("web", "store", "lb", "proxy", "prometheus", "alertmanager", "loadgen",
                "controller"):
        assert f"job_name: {job}" in text
    alerting = yaml.safe_load(text)["alerting"]["alertmanagers"]
    assert alerting == [{"static_configs": [{"targets": [
        plan.component("alertmanager").url.split("://")[1]]}]}]


def test_prometheus_stores_exemplars_in_both_runtimes(plan):
    # Web's latency histogram carries trace ids as exemplars; without the flag they are dropped.
    assert "--enable-feature=exemplar-storage" in plan.component("prometheus").argv
    compose = yaml.safe_load((Path(__file__).parents[3] / "docker-compose.yml").read_text())
    assert "--enable-feature=exemplar-storage" in compose["services"]["prometheus"]["command"]
