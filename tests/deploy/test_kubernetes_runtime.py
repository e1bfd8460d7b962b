"""The kubernetes runtime against a fake API server (tests/deploy/fake_kube.py): every fault
it claims, checked on the API's objects (pods, replicas, Chaos Mesh objects), and the refusals
with their reasons."""

from __future__ import annotations

import pytest
from lightkube import AsyncClient, KubeConfig

from chaos.export.chaosmesh_targets import checked_spec
from chaos.runtime.base import ProcessState
from chaos.runtime.kubernetes import KubernetesRuntime, RuntimeRefused
from tests.deploy.fake_kube import FakeKube


async def runtime_for(kube: FakeKube) -> KubernetesRuntime:
    config = KubeConfig.from_dict({
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": {"server": "http://kube.test"}}],
        "users": [{"name": "controller", "user": {"token": "sa-token"}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "controller",
                                                  "namespace": "gameday"}}]})
    client = AsyncClient(config, transport=kube.transport())
    runtime = KubernetesRuntime(client, chaos_mapping=checked_spec)
    await runtime.refresh()
    return runtime


@pytest.fixture
def kube() -> FakeKube:
    return FakeKube()


async def test_components_are_store_members_web_pods_and_single_workloads(kube):
    runtime = await runtime_for(kube)
    names = runtime.enabled_names()
    assert {"store-1", "store-2", "store-3", "lb", "prometheus", "loadgen"} <= set(names)
    assert len([n for n in names if n.startswith("web-")]) == 3
    assert all(s.state is ProcessState.running for s in runtime.statuses())
    assert runtime.status("store-2").role == "store"
    assert "chaos-mesh" in runtime.capabilities()


async def test_kill_deletes_the_pod_without_grace(kube):
    runtime = await runtime_for(kube)
    web = next(n for n in runtime.enabled_names() if n.startswith("web-"))
    await runtime.kill(web)
    await runtime.kill("store-2")
    assert kube.deletions == [(web, 0), ("store-2", 0)]
    assert web not in kube.pods and "store-2" in kube.pods  # replaced; same name for etcd
    assert kube.pods["store-2"]["metadata"]["uid"] != "gone"


async def test_stop_scales_a_single_pod_workload_to_zero_and_start_restores_it(kube):
    runtime = await runtime_for(kube)
    await runtime.stop("lb", hold=True)
    assert kube.workloads[("Deployment", "lb")]["spec"]["replicas"] == 0
    assert kube.owned("lb") == []
    await runtime.refresh()
    assert runtime.status("lb").state is ProcessState.stopped and runtime.status("lb").held_down
    await runtime.start("lb")
    assert kube.workloads[("Deployment", "lb")]["spec"]["replicas"] == 1
    assert "gameday.dev/held-replicas" not in kube.workloads[("Deployment", "lb")][
        "metadata"]["annotations"]
    assert len(kube.owned("lb")) == 1


async def test_stop_of_one_web_pod_removes_exactly_that_pod(kube):
    runtime = await runtime_for(kube)
    webs = sorted(n for n in runtime.enabled_names() if n.startswith("web-"))
    await runtime.stop(webs[1], hold=True)
    remaining = {p["metadata"]["name"] for p in kube.owned("web")}
    assert remaining == {webs[0], webs[2]}
    assert kube.workloads[("Deployment", "web")]["spec"]["replicas"] == 2
    await runtime.refresh()  # the controller refreshes between the fault and its revert
    assert webs[1] not in runtime.enabled_names()
    await runtime.start(webs[1])
    assert kube.workloads[("Deployment", "web")]["spec"]["replicas"] == 3


async def test_stop_of_a_store_member_is_a_chaos_mesh_pod_failure(kube):
    runtime = await runtime_for(kube)
    await runtime.stop("store-3", hold=True)
    hold = kube.chaos[("podchaos", "gameday-hold-store-3")]
    assert hold["spec"]["action"] == "pod-failure"
    assert hold["spec"]["selector"]["pods"] == {"gameday": ["store-3"]}
    await runtime.start("store-3")
    assert kube.chaos == {}


async def test_restart_is_a_rollout_restart_or_a_graceful_pod_delete(kube):
    runtime = await runtime_for(kube)
    before = {p["metadata"]["name"] for p in kube.owned("prometheus")}
    await runtime.restart("prometheus")
    template = kube.workloads[("Deployment", "prometheus")]["spec"]["template"]
    assert "kubectl.kubernetes.io/restartedAt" in template["metadata"]["annotations"]
    assert {p["metadata"]["name"] for p in kube.owned("prometheus")}.isdisjoint(before)
    await runtime.restart("store-1")
    assert kube.deletions[-1] == ("store-1", None)  # default grace: a graceful stop
    with pytest.raises(RuntimeRefused, match="release change"):
        await runtime.restart("store-1", env={"GAMEDAY_WEB_RELEASE": "2.0"})


async def test_pause_is_refused_with_the_reason(kube):
    runtime = await runtime_for(kube)
    with pytest.raises(RuntimeRefused, match="cannot freeze"):
        await runtime.pause("lb")
    assert "freeze" in runtime.support("pause")
    assert runtime.support("bad-deploy") is not None


@pytest.mark.parametrize("fault, params, kind, plural", [
    ("latency", {"to": "store", "ms": 150}, "NetworkChaos", "networkchaos"),
    ("loss", {"probability": 0.2}, "NetworkChaos", "networkchaos"),
    ("bandwidth", {"to": "store"}, "NetworkChaos", "networkchaos"),
    ("blackhole", {"to": "lb"}, "NetworkChaos", "networkchaos"),
    ("partition", {}, "NetworkChaos", "networkchaos"),
    ("cpu-burn", {"cores": 1, "share": 0.5}, "StressChaos", "stresschaos"),
    ("memory-leak", {"mb_per_s": 10, "cap_mb": 128}, "StressChaos", "stresschaos"),
    ("http-latency", {"ms": 200}, "HTTPChaos", "httpchaos"),
    ("http-errors", {"status": 503}, "HTTPChaos", "httpchaos"),
    ("slow-disk", {}, "IOChaos", "iochaos"),
])
async def test_delegated_faults_become_chaos_mesh_objects_with_a_duration(
        kube, fault, params, kind, plural):
    runtime = await runtime_for(kube)
    target = "store:random" if fault == "slow-disk" else "web:all"
    name = await runtime.apply_chaos("F1", fault, target, params, 30)
    obj = kube.chaos[(plural, name)]
    assert obj["kind"] == kind and obj["spec"]["duration"] == "30s"
    assert obj["metadata"]["annotations"]["gameday.dev/fault"] == "F1"
    await runtime.revert_chaos("F1")
    await runtime.revert_chaos("F1")  # idempotent
    assert kube.chaos == {}


async def test_without_chaos_mesh_delegated_faults_are_refused_with_the_reason():
    kube = FakeKube(chaos_mesh=False)
    runtime = await runtime_for(kube)
    assert "chaos-mesh" not in runtime.capabilities()
    assert "not installed" in runtime.support("latency")
    with pytest.raises(RuntimeRefused, match="Chaos Mesh is not installed"):
        await runtime.apply_chaos("F2", "latency", "web:all", {}, 10)
    with pytest.raises(RuntimeRefused, match="needs Chaos Mesh"):
        await runtime.stop("store-1", hold=True)
    assert runtime.support("kill") is None
    assert not any(m == "POST" for m, _ in kube.requests)


async def test_an_unknown_component_names_the_known_ones(kube):
    runtime = await runtime_for(kube)
    with pytest.raises(KeyError, match="known: .*store-1"):
        await runtime.kill("web-99")


def _rbac(method: str, path: str) -> tuple[str, str, str]:
    parts = path.strip("/").split("/")
    group = "" if parts[0] == "api" else parts[1]
    rest = parts[parts.index("namespaces") + 2:]
    resource = rest[0] + (f"/{rest[2]}" if len(rest) > 2 else "")
    verb = {"GET": "get" if len(rest) > 1 else "list", "POST": "create", "PATCH": "patch",
            "DELETE": "delete"}[method]
    return group, resource, verb


async def test_the_controller_role_grants_exactly_what_the_runtime_uses(kube):
    from tests.deploy.kustomize import render
    from tests.deploy.test_kubernetes_manifests import DEPLOY

    runtime = await runtime_for(kube)
    webs = sorted(n for n in runtime.enabled_names() if n.startswith("web-"))
    await runtime.kill(webs[0])
    await runtime.stop(webs[1], hold=True)
    await runtime.start(webs[1])
    await runtime.stop("lb", hold=True)
    await runtime.start("lb")
    await runtime.restart("prometheus")
    await runtime.stop("store-1", hold=True)
    await runtime.start("store-1")
    for fault in ("latency", "cpu-burn", "http-errors", "slow-disk"):
        await runtime.apply_chaos("R", fault, "web:all" if fault != "slow-disk"
                                  else "store:random", {"cores": 1, "share": 0.1}
                                  if fault == "cpu-burn" else {}, 5)
        await runtime.revert_chaos("R")
    used = {_rbac(m, p) for m, p in kube.requests}
    role = next(o for o in render(DEPLOY / "base")
                if o["kind"] == "Role" and o["metadata"]["name"] == "gameday-controller")
    granted = {(g, r, v) for rule in role["rules"] for g in rule["apiGroups"]
               for r in rule["resources"] for v in rule["verbs"]}
    assert used - granted == set()
    # whatever is granted but unused here is read-only
    assert {verb for *_, verb in granted - used} <= {"get", "list", "watch"}
