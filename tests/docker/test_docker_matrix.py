"""The Compose fault matrix's own checks (tests/docker/matrix.py), on canned engine answers.

The matrix itself needs a Docker engine and runs in .ci/docker-e2e; these check that its
baseline reads container states and container addresses the way `docker inspect` gives them.
"""

from __future__ import annotations

from chaos.runtime.docker_plan import build_compose_plan
from tests.docker.matrix import PROCESS_FAULTS, DockerBaseline, container_ip, reachable


def inspected(status: str = "running", paused: bool = False, ip: str = "172.18.0.5") -> dict:
    return {"State": {"Status": status, "Paused": paused},
            "NetworkSettings": {"Networks": {"gamedaye2e_default": {"IPAddress": ip}}}}


def plan(tmp_path):
    return build_compose_plan(tmp_path, admin_token="t")


def test_component_urls_point_at_the_container_addresses(tmp_path):
    original = plan(tmp_path)
    ips = {c.name: f"172.18.0.{i + 2}" for i, c in enumerate(original.components)}
    rewritten = reachable(original, lambda name: inspected(ip=ips[name]))
    web = rewritten.component("web-1")
    assert web.url.startswith(f"http://{ips['web-1']}:")
    assert web.metrics_url.startswith(f"http://{ips['web-1']}:")
    assert rewritten.proxy_admin_url.startswith(f"http://{ips['proxy']}:")
    # A container without an address keeps its name (the check then says it cannot reach it).
    assert reachable(original, lambda name: {}).component("web-1").url == original.component(
        "web-1").url
    assert container_ip({}) is None


def test_paused_stopped_or_missing_containers_are_differences(tmp_path):
    p = plan(tmp_path)
    states = {name: inspected() for name in p.names()}
    states["web-2"] = inspected(paused=True, status="paused")
    states["store-1"] = inspected(status="exited")
    del states["lb"]
    baseline = DockerBaseline(plan=p, inspect=lambda name: states.get(name, {}))
    found = baseline.processes()
    assert any("web-2" in f and "paused" in f for f in found), found
    assert any("store-1" in f and "exited" in f for f in found), found
    assert any(f.startswith("container lb: none") for f in found), found
    assert not any("web-1" in f for f in found)
    states.update({n: inspected() for n in ("web-2", "store-1", "lb")})
    assert baseline.processes() == []


def test_every_process_fault_has_the_container_state_it_leaves():
    assert set(PROCESS_FAULTS) == {"kill", "stop", "restart", "pause"}
