"""Docker network faults declare what they need, and the runtime reports it only if it works.

Partition and loss are iptables rules inside the containers' network namespaces under Docker
(chaos/runtime/docker_net.py). The catalog must call them unsupported when nsenter + iptables
into a container does not work, instead of accepting them and failing the apply with a 502.
"""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

import chaos.faults  # noqa: F401 - registers the catalog
from chaos.faults.registry import FAULTS
from chaos.netfaults.control import NETNS_IPTABLES
from chaos.runtime import docker as docker_runtime
from chaos.runtime import docker_net
from chaos.runtime.docker import DockerRuntime
from chaos.runtime.docker_plan import build_compose_plan
from chaos.state import StateDir
from tests.docker.test_docker_runtime import FakeEngine

DOCKER_BASE = {"signals", "proxy", "env-redeploy", "app-admin", "store-admin"}
NETWORK = ["latency", "bandwidth", "loss", "blackhole", "partition"]


@pytest.mark.parametrize("fault", NETWORK)
def test_catalog_on_a_restricted_docker(fault):
    reason = FAULTS[fault].support("docker", DOCKER_BASE)
    if fault in ("partition", "loss"):
        assert reason is not None and NETNS_IPTABLES in reason
    else:
        assert reason is None  # the fault proxy carries these


@pytest.mark.parametrize("fault", NETWORK)
def test_catalog_with_netns_iptables_and_on_local(fault):
    assert FAULTS[fault].support("docker", DOCKER_BASE | {NETNS_IPTABLES}) is None
    assert FAULTS[fault].support("local", DOCKER_BASE) is None  # local: all on the proxy


def docker(tmp_path, monkeypatch, probe) -> DockerRuntime:
    monkeypatch.setattr(docker_runtime, "netem_available", lambda: False)
    monkeypatch.setattr(docker_runtime, "nsenter_available", lambda: True)
    monkeypatch.setattr(docker_runtime, "probe_netns_iptables", probe)
    plan = build_compose_plan(tmp_path, admin_token="t")
    engine = FakeEngine(plan.names())

    class Client:
        api = engine
        containers = type("C", (), {"get": staticmethod(engine.get)})()

    return DockerRuntime(plan, StateDir(tmp_path), Client(), "p", backoff_seconds=0.05,
                         release_dir=tmp_path / "release")


def test_runtime_reports_netns_iptables_only_when_the_probe_works(tmp_path, monkeypatch):
    probed: list[int] = []
    rt = docker(tmp_path, monkeypatch, lambda pid: probed.append(pid) or False)
    assert NETNS_IPTABLES not in rt.capabilities()
    assert probed and all(pid in {rt.pid_of(n) for n in rt.running_names()} for pid in probed)
    assert FAULTS["partition"].support(rt.name, rt.capabilities()) is not None


def test_runtime_caches_a_working_probe(tmp_path, monkeypatch):
    probed: list[int] = []
    rt = docker(tmp_path, monkeypatch, lambda pid: probed.append(pid) or True)
    assert NETNS_IPTABLES in rt.capabilities() and NETNS_IPTABLES in rt.capabilities()
    assert len(probed) == 1
    assert FAULTS["loss"].support(rt.name, rt.capabilities()) is None


def test_no_nsenter_means_no_probe_and_no_capability(tmp_path, monkeypatch):
    rt = docker(tmp_path, monkeypatch, lambda pid: pytest.fail("probed without nsenter"))
    rt._nsenter = False
    assert NETNS_IPTABLES not in rt.capabilities()


def test_the_runtime_network_control_is_declared_not_guessed(tmp_path, monkeypatch):
    rt = docker(tmp_path, monkeypatch, lambda pid: True)
    sentinel = object()
    control = rt.network_control(sentinel)
    assert isinstance(control, docker_net.IptablesNetwork) and control.proxy is sentinel


def test_real_probe_into_another_namespace(tmp_path):
    """The probe really enters a namespace that is not ours: true only if iptables works
    there (this machine may lack iptables: then false, and so is the capability)."""
    assert docker_net.probe_netns_iptables(2**22 + 12345) is False  # no such process
    if shutil.which("unshare") is None or shutil.which("nsenter") is None:
        pytest.skip("needs unshare and nsenter")
    child = subprocess.Popen(["unshare", "-n", "sleep", "10"])
    try:
        time.sleep(0.3)
        if child.poll() is not None:
            pytest.skip("cannot create a network namespace here")
        docker_net.iptables.cache_clear()
        expected = any(shutil.which(c) for c in ("iptables", "iptables-legacy"))
        assert docker_net.probe_netns_iptables(child.pid) is expected
    finally:
        child.kill()
        child.wait(5)


def test_nsenter_counts_as_available_without_entering_the_hosts_namespace(monkeypatch):
    # In the controller's container `nsenter -t 1 -n` is refused (pid 1 is the host's init)
    # while entering a sibling container works: only the probe on a container may decide.
    calls = []
    monkeypatch.setattr(docker_net.shutil, "which",
                        lambda name: f"/usr/bin/{name}" if name == "nsenter" else None)
    monkeypatch.setattr(docker_net.subprocess, "run",
                        lambda *a, **k: calls.append(a) or pytest.fail("no host probe"))
    assert docker_net.nsenter_available() is True and calls == []
