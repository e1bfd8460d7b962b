"""A fake Kubernetes API server for the kubernetes runtime's tests, behind httpx2's
MockTransport (the HTTP library lightkube uses). It answers the REST calls the runtime makes
with the API's JSON shapes and plays the workload controllers' part: a Deployment keeps its
replica count of pods (scale-down removes the lowest pod-deletion-cost first; a deleted pod
is replaced under a new name; a new template revision replaces every pod), a StatefulSet
recreates a deleted pod under the same name. Chaos Mesh's CRDs exist only if installed."""

from __future__ import annotations

import itertools
import json
import re

import httpx2

NS = "gameday"
_ids = itertools.count(1)


def _pod(name: str, labels: dict, owner: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": NS, "labels": dict(labels),
                         "uid": f"uid-{next(_ids)}", "annotations": {},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "X",
                                              "name": owner, "uid": "o"}]},
            "spec": {"containers": [{"name": "c", "image": "i"}]},
            "status": {"phase": "Running",
                       "conditions": [{"type": "Ready", "status": "True"}],
                       "containerStatuses": [{"name": "c", "image": "i", "imageID": "",
                                              "ready": True, "restartCount": 0}]}}


def _workload(kind: str, name: str, role: str, replicas: int) -> dict:
    labels = {"app.kubernetes.io/part-of": "gameday", "app.kubernetes.io/component": role}
    spec = {"replicas": replicas, "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels, "annotations": {}},
                         "spec": {"containers": [{"name": "c", "image": "i"}]}}}
    if kind == "StatefulSet":
        spec.update(serviceName=name, ordinals={"start": 1})
    return {"apiVersion": "apps/v1", "kind": kind,
            "metadata": {"name": name, "namespace": NS, "labels": labels, "annotations": {}},
            "spec": spec}


def merge(target: dict, patch: dict) -> dict:
    """RFC 7386 merge patch (null deletes), what our patches need of strategic merge too."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value
    return target


class FakeKube:
    def __init__(self, chaos_mesh: bool = True) -> None:
        self.chaos_mesh = chaos_mesh
        self.workloads: dict[tuple[str, str], dict] = {}
        self.pods: dict[str, dict] = {}
        self.chaos: dict[tuple[str, str], dict] = {}
        self.deletions: list[tuple[str, int | None]] = []  # (pod, gracePeriodSeconds)
        self.requests: list[tuple[str, str]] = []
        for kind, name, role, replicas in (("StatefulSet", "store", "store", 3),
                                           ("Deployment", "web", "web", 3),
                                           ("Deployment", "lb", "lb", 1),
                                           ("Deployment", "prometheus", "prometheus", 1),
                                           ("Deployment", "loadgen", "loadgen", 1)):
            self.workloads[(kind, name)] = _workload(kind, name, role, replicas)
            self.reconcile(kind, name)

    # --- the workload controllers -------------------------------------------------------
    def owned(self, name: str) -> list[dict]:
        return [p for p in self.pods.values()
                if p["metadata"]["ownerReferences"][0]["name"] == name]

    def reconcile(self, kind: str, name: str) -> None:
        w = self.workloads[(kind, name)]
        labels = w["spec"]["template"]["metadata"]["labels"]
        want = w["spec"]["replicas"]
        if kind == "StatefulSet":
            names = [f"{name}-{i}" for i in range(1, want + 1)]
            for pod_name in names:
                self.pods.setdefault(pod_name, _pod(pod_name, labels, name))
            for pod in self.owned(name):
                if pod["metadata"]["name"] not in names:
                    del self.pods[pod["metadata"]["name"]]
            return
        pods = sorted(self.owned(name), key=lambda p: int(
            p["metadata"]["annotations"].get("controller.kubernetes.io/pod-deletion-cost", 0)))
        for pod in pods[:max(len(pods) - want, 0)]:
            del self.pods[pod["metadata"]["name"]]
        for _ in range(want - len(pods)):
            pod_name = f"{name}-{next(_ids):05x}"
            self.pods[pod_name] = _pod(pod_name, labels, name)

    # --- HTTP ---------------------------------------------------------------------------
    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self.handle)

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        path, method = request.url.path, request.method
        self.requests.append((method, path))
        body = json.loads(request.content) if request.content else None
        if path.startswith("/apis/chaos-mesh.org/"):
            return self._chaos(method, path, body)
        m = re.fullmatch(r"/api/v1/namespaces/gameday/pods(?:/([^/]+))?", path)
        if m:
            return self._pods(method, m.group(1), request, body)
        m = re.fullmatch(r"/apis/apps/v1/namespaces/gameday/(deployments|statefulsets)"
                         r"(?:/([^/]+))?(/scale)?", path)
        if m:
            kind = "Deployment" if m.group(1) == "deployments" else "StatefulSet"
            return self._workload(method, kind, m.group(2), bool(m.group(3)), body)
        return self.status(404, f"no route {method} {path}")

    @staticmethod
    def status(code: int, message: str) -> httpx2.Response:
        return httpx2.Response(code, json={"apiVersion": "v1", "kind": "Status",
                                           "status": "Failure", "message": message,
                                           "reason": "NotFound", "code": code})

    @staticmethod
    def listing(kind: str, items: list[dict], api: str = "v1") -> httpx2.Response:
        return httpx2.Response(200, json={"apiVersion": api, "kind": f"{kind}List",
                                          "metadata": {"resourceVersion": "1"}, "items": items})

    def _pods(self, method, name, request, body) -> httpx2.Response:
        if name is None and method == "GET":
            return self.listing("Pod", list(self.pods.values()))
        pod = self.pods.get(name)
        if pod is None:
            return self.status(404, f'pods "{name}" not found')
        if method == "PATCH":
            return httpx2.Response(200, json=merge(pod, body))
        if method == "DELETE":
            grace = request.url.params.get("gracePeriodSeconds")
            self.deletions.append((name, None if grace is None else int(grace)))
            owner = pod["metadata"]["ownerReferences"][0]["name"]
            del self.pods[name]
            kind = next(k for k, n in self.workloads if n == owner)
            self.reconcile(kind, owner)
            return httpx2.Response(200, json=pod)
        return self.status(405, method)

    def _workload(self, method, kind, name, scale, body) -> httpx2.Response:
        if name is None:
            return self.listing(kind, [w for (k, _), w in self.workloads.items() if k == kind],
                                "apps/v1")
        w = self.workloads.get((kind, name))
        if w is None:
            return self.status(404, f"{kind} {name} not found")
        if scale:
            if method == "PATCH":
                w["spec"]["replicas"] = body["spec"]["replicas"]
                self.reconcile(kind, name)
            return httpx2.Response(200, json={
                "apiVersion": "autoscaling/v1", "kind": "Scale",
                "metadata": {"name": name, "namespace": NS},
                "spec": {"replicas": w["spec"]["replicas"]}})
        if method == "PATCH":
            before = json.dumps(w["spec"]["template"])
            merge(w, body)
            if json.dumps(w["spec"]["template"]) != before:  # a new revision: roll every pod
                for pod in self.owned(name):
                    del self.pods[pod["metadata"]["name"]]
                self.reconcile(kind, name)
        return httpx2.Response(200, json=w)

    def _chaos(self, method, path, body) -> httpx2.Response:
        if not self.chaos_mesh:
            return self.status(404, "the server could not find the requested resource")
        m = re.fullmatch(r"/apis/chaos-mesh.org/v1alpha1/namespaces/gameday/(\w+)(?:/(.+))?",
                         path)
        plural, name = m.group(1), m.group(2)
        if method == "GET" and name is None:
            return self.listing(plural, [o for (p, _), o in self.chaos.items() if p == plural],
                                "chaos-mesh.org/v1alpha1")
        if method == "POST":
            key = (plural, body["metadata"]["name"])
            if key in self.chaos:
                return self.status(409, "already exists")
            self.chaos[key] = body
            return httpx2.Response(201, json=body)
        if method == "DELETE":
            gone = self.chaos.pop((plural, name), None)
            return httpx2.Response(200, json=gone) if gone else self.status(404, "not found")
        return self.status(405, method)
