"""deploy/kubernetes: every rendered object validates against the Kubernetes schemas
(kubernetes-validate, offline, strict), and the deployment matches the other stacks."""

from __future__ import annotations

import filecmp
import json
from collections import Counter
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from chaos.export.chaosmesh import to_workflow
from chaos.export.k8s_names import COMPONENT, NAMESPACE, PART_OF, WORKLOADS
from chaos.runtime.docker_plan import QUOTA_BACKEND_BYTES
from chaos.scenarios import library
from chaos.stack import etcd
from tests.deploy.kustomize import render

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "kubernetes"
K8S_VERSION = "1.37.0"
OVERLAYS = [DEPLOY / "base", DEPLOY / "overlays" / "kind"]


def objects(root: Path) -> list[dict]:
    return render(root)


def ident(obj: dict) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


@pytest.mark.parametrize("root", OVERLAYS, ids=lambda p: p.name)
def test_every_object_validates_against_the_kubernetes_schemas(root):
    rendered = objects(root)
    assert rendered
    for obj in rendered:
        try:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{ident(obj)}: {exc.message} at {list(exc.path)}")
    names = Counter((o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"])
                    for o in rendered)
    assert [n for n, c in names.items() if c > 1] == []


def test_an_invalid_object_is_caught():
    deployment = next(o for o in objects(DEPLOY / "base") if ident(o) == "Deployment/web")
    deployment["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)
    deployment["spec"]["replicas"] = 3
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)


def test_the_kind_overlay_is_complete():
    rendered = {ident(o): o for o in objects(DEPLOY / "overlays" / "kind")}
    # every secret a pod refers to exists in the overlay
    for obj in rendered.values():
        for container in obj.get("spec", {}).get("template", {}).get("spec", {}).get(
                "containers", []):
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert f"Secret/{ref['name']}" in rendered, (ident(obj), ref)
    for obj in rendered.values():
        assert obj["metadata"].get("namespace", NAMESPACE) == NAMESPACE


def test_etcd_has_stable_peer_names_and_a_headless_service():
    rendered = {ident(o): o for o in objects(DEPLOY / "base")}
    store, service = rendered["StatefulSet/store"], rendered["Service/store"]
    assert store["spec"]["replicas"] == 3 and store["spec"]["ordinals"]["start"] == 1
    assert store["spec"]["serviceName"] == "store" and service["spec"]["clusterIP"] == "None"
    assert service["spec"]["publishNotReadyAddresses"] is True
    args = store["spec"]["template"]["spec"]["containers"][0]["args"]
    cluster = next(a for a in args if a.startswith("--initial-cluster="))
    assert cluster.endswith("store-1=http://store-1.store:2380,store-2=http://store-2.store:2380,"
                            "store-3=http://store-3.store:2380")
    # etcd's flags are the one list of chaos/stack/etcd.py, with the pod's names filled in.
    pod = "$(POD_NAME)"
    assert args == etcd.member_argv(
        name=pod, data_dir="/var/lib/etcd/data", listen_host="0.0.0.0",
        advertise_host=f"{pod}.store", client_port=2379, peer_port=2380,
        advertised_peer_url=f"http://{pod}.store:2380", initial_cluster=cluster.split("=", 1)[1],
        cluster_token="gameday-kubernetes", quota_backend_bytes=QUOTA_BACKEND_BYTES)[1:]


def test_workloads_carry_the_labels_the_chaos_mesh_export_selects():
    rendered = objects(DEPLOY / "base")
    for role, (kind, name) in WORKLOADS.items():
        obj = next(o for o in rendered if o["kind"] == kind and o["metadata"]["name"] == name)
        labels = obj["spec"]["template"]["metadata"]["labels"]
        assert labels[PART_OF] == "gameday" and labels[COMPONENT] == role
    pods = {o["spec"]["template"]["metadata"]["labels"][COMPONENT] for o in rendered
            if "template" in o.get("spec", {})}
    for name in library.names():
        (workflow,), _ = to_workflow(library.load(name))
        for template in workflow["spec"]["templates"]:
            for spec in (template.get(k) for k in ("podChaos", "networkChaos", "stressChaos",
                                                   "httpChaos", "ioChaos")):
                if spec is None:
                    continue
                target = spec.get("target")
                peer = target.get("selector") if isinstance(target, dict) else None
                for selector in (spec["selector"], peer):
                    role = (selector or {}).get("labelSelectors", {}).get(COMPONENT)
                    assert role is None or role in pods, (name, template["name"], role)
                    assert (selector or {}).get("namespaces", [NAMESPACE]) == [NAMESPACE]


def test_prometheus_has_the_same_rules_and_grafana_the_same_dashboards():
    for source, copy in ((ROOT / "compose" / "prometheus" / "rules",
                          DEPLOY / "base" / "prometheus" / "rules"),
                         (ROOT / "dashboards", DEPLOY / "base" / "grafana" / "dashboards")):
        names = sorted(p.name for p in source.iterdir() if p.is_file())
        assert sorted(p.name for p in copy.iterdir()) == names
        match, mismatch, errors = filecmp.cmpfiles(source, copy, names, shallow=False)
        assert (mismatch, errors) == ([], []), f"{copy} drifted from {source}: copy them again"
    rendered = {ident(o): o for o in objects(DEPLOY / "base")}
    rules = rendered["ConfigMap/prometheus-rules"]["data"]
    assert set(rules) == {"alerts.yml", "loadgen.yml", "recording.yml"}
    for name in ("overview", "store", "lb", "chaos"):
        (text,) = rendered[f"ConfigMap/grafana-dashboard-{name}"]["data"].values()
        assert json.loads(text)["uid"] == f"gameday-{name}"
    datasource = yaml.safe_load(rendered["ConfigMap/grafana-provisioning"]["data"][
        "datasource.yaml"])
    assert datasource["datasources"][0]["uid"] == "gameday-prometheus"


def test_the_controller_role_is_least_privilege():
    rendered = {ident(o): o for o in objects(DEPLOY / "base")}
    assert not any(k.startswith(("ClusterRole/", "ClusterRoleBinding/")) for k in rendered)
    rules = rendered["Role/gameday-controller"]["rules"]
    granted = {(g, r, v) for rule in rules for g in rule["apiGroups"]
               for r in rule["resources"] for v in rule["verbs"]}
    assert all("*" not in item for item in granted)
    assert ("", "pods", "delete") in granted
    assert not any(r == "secrets" for _, r, _ in granted)
    assert not any(v in ("create", "delete") and g in ("", "apps")
                   and r != "pods" for g, r, v in granted)
    deployment = rendered["Deployment/controller"]["spec"]["template"]["spec"]
    assert deployment["serviceAccountName"] == "gameday-controller"
