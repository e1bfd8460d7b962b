"""A small kustomize renderer for the features deploy/kubernetes uses (no kustomize binary
here): resources (files and directories), namespace, configMapGenerator and secretGenerator
(files, literals, no name hash), images and replicas. Anything else is an error, so a
kustomization that grows a feature this cannot render fails the test instead of being
validated wrongly."""

from __future__ import annotations

import base64
import copy
from pathlib import Path

import yaml

SUPPORTED = {"apiVersion", "kind", "namespace", "resources", "configMapGenerator",
             "secretGenerator", "generatorOptions", "images", "replicas"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}


class Unsupported(Exception):
    pass


def _generated(kind: str, spec: dict, root: Path, namespace: str | None) -> dict:
    data: dict[str, str] = {}
    for file in spec.get("files", []):
        key, _, path = file.rpartition("=") if "=" in file else ("", "", file)
        source = (root / path).resolve()
        if not source.is_relative_to(root.resolve()):
            raise Unsupported(f"{file}: kustomize refuses files outside {root}")
        data[key or Path(path).name] = source.read_text()
    for literal in spec.get("literals", []):
        key, _, value = literal.partition("=")
        data[key] = value
    unknown = set(spec) - {"name", "namespace", "files", "literals"}
    if unknown:
        raise Unsupported(f"generator fields {sorted(unknown)}")
    meta = {"name": spec["name"]}
    if spec.get("namespace") or namespace:
        meta["namespace"] = spec.get("namespace") or namespace
    if kind == "Secret":
        encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
        return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "Opaque",
                "data": encoded}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def _containers(doc: dict) -> list[dict]:
    spec = doc.get("spec", {}).get("template", {}).get("spec", {})
    return spec.get("containers", []) + spec.get("initContainers", [])


def render(root: Path) -> list[dict]:
    """Every object of the kustomization in `root`, as `kubectl kustomize` would emit it."""
    k = yaml.safe_load((root / "kustomization.yaml").read_text())
    unknown = set(k) - SUPPORTED
    if unknown:
        raise Unsupported(f"{root}: kustomization fields {sorted(unknown)}")
    if not k.get("generatorOptions", {}).get("disableNameSuffixHash", False) and (
            k.get("configMapGenerator") or k.get("secretGenerator")):
        raise Unsupported(f"{root}: name hashes are not rendered; set disableNameSuffixHash")
    objects: list[dict] = []
    for resource in k.get("resources", []):
        path = root / resource
        if path.is_dir():
            objects += render(path)
        else:
            objects += [d for d in yaml.safe_load_all(path.read_text()) if d]
    namespace = k.get("namespace")
    for spec in k.get("configMapGenerator", []):
        objects.append(_generated("ConfigMap", spec, root, namespace))
    for spec in k.get("secretGenerator", []):
        objects.append(_generated("Secret", spec, root, namespace))
    objects = [copy.deepcopy(o) for o in objects]
    for obj in objects:
        if namespace and obj["kind"] not in CLUSTER_SCOPED:
            obj["metadata"]["namespace"] = namespace
        if namespace and obj["kind"] in ("RoleBinding", "ClusterRoleBinding"):
            for subject in obj.get("subjects", []):
                if subject["kind"] == "ServiceAccount":
                    subject["namespace"] = namespace
    for image in k.get("images", []):
        for obj in objects:
            for container in _containers(obj):
                name, _, tag = container["image"].partition(":")
                if name == image["name"]:
                    container["image"] = (f"{image.get('newName', name)}:"
                                          f"{image.get('newTag', tag)}")
    for replicas in k.get("replicas", []):
        matched = [o for o in objects if o["metadata"]["name"] == replicas["name"]
                   and o["kind"] in ("Deployment", "StatefulSet", "ReplicaSet")]
        if not matched:
            raise Unsupported(f"replicas: no workload named {replicas['name']!r}")
        for obj in matched:
            obj["spec"]["replicas"] = replicas["count"]
    return objects
