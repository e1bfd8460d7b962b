"""Names and labels of the Kubernetes deployment (deploy/kubernetes), shared by the Chaos Mesh
export and the kubernetes runtime so both select exactly the pods the manifests create."""

from __future__ import annotations

from chaos.runtime.kubernetes import COMPONENT, NAMESPACE, PART_OF, PROJECT

__all__ = ["COMPONENT", "ETCD_DATA", "NAMESPACE", "PART_OF", "PROJECT", "PROMETHEUS_URL",
           "WEB_PORT", "WORKLOADS", "labels"]

# role -> (workload kind, workload name). Store members are StatefulSet pods store-1..3
# (spec.ordinals.start: 1), so gameday's member names are the pod names.
WORKLOADS = {
    "store": ("StatefulSet", "store"),
    "web": ("Deployment", "web"),
    "lb": ("Deployment", "lb"),
    "prometheus": ("Deployment", "prometheus"),
    "loadgen": ("Deployment", "loadgen"),
}
WEB_PORT = 8000
PROMETHEUS_URL = "http://prometheus.{namespace}.svc:9090"
ETCD_DATA = "/var/lib/etcd"


def labels(role: str) -> dict[str, str]:
    return {PART_OF: PROJECT, COMPONENT: role}
