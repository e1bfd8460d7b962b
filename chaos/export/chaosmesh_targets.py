"""gameday faults and targets in Chaos Mesh terms: which CRD, which pods, which parameters.

`chaos_spec` returns (kind, spec, approximations) or raises Unsupported with the reason.
Pods are selected by the labels of deploy/kubernetes (chaos/export/k8s_names.py).
"""

from __future__ import annotations

import re
from typing import Any

from chaos.export.k8s_names import COMPONENT, ETCD_DATA, PART_OF, PROJECT, WEB_PORT
from chaos.faults import FAULTS

# Who dials whom: gameday's `upstream` is the requests' direction on a link.
DIALS = {("lb", "web"), ("web", "store")}
UNSUPPORTED = {
    "pause": "Chaos Mesh cannot freeze a process (SIGSTOP); pod-failure would be a crash "
             "(connections refused), not a hang (connections that never answer)",
    "bad-deploy": "a release change is a deployment, not a fault: use `kubectl set image` or "
                  "a canary (Argo Rollouts, Flagger) with the same broken image",
    "disk-fill": "no Chaos Mesh fault fills etcd to its backend quota (the NOSPACE alarm); "
                 "IOChaos ENOSPC errors make etcd fail writes to disk, a different failure",
}


class Unsupported(Exception):
    """This fault has no Chaos Mesh equivalent; the message says why."""


def _role_selector(role: str, namespace: str) -> dict[str, Any]:
    return {"namespaces": [namespace], "labelSelectors": {PART_OF: PROJECT, COMPONENT: role}}


def pods(target: str, namespace: str) -> tuple[dict[str, Any], list[str]]:
    """A gameday target as a Chaos Mesh PodSelector (selector, mode, value) and notes."""
    notes: list[str] = []
    if ":" not in target and not re.search(r"-\d+$", target):  # a bare role: all of it
        return {"selector": _role_selector(target, namespace), "mode": "all"}, notes
    if ":" not in target:
        role = re.sub(r"-\d+$", "", target)
        if role == "store":  # StatefulSet pods carry gameday's member names
            return {"selector": {"namespaces": [namespace], "pods": {namespace: [target]}},
                    "mode": "all"}, notes
        if role != target:
            notes.append(f"{target}: Deployment pods have generated names, so one {role} "
                         "pod at random")
            return {"selector": _role_selector(role, namespace), "mode": "one"}, notes
        return {"selector": _role_selector(role, namespace), "mode": "all"}, notes
    role, _, how = target.partition(":")
    chosen: dict[str, Any] = {"selector": _role_selector(role, namespace)}
    key, _, number = how.partition("=")
    if key == "all":
        chosen["mode"] = "all"
    elif key == "random":
        chosen["mode"] = "one"
    elif key == "count":
        chosen.update(mode="fixed", value=number)
    elif key == "percent":
        chosen.update(mode="fixed-percent", value=number)
    elif key in ("majority", "minority"):
        chosen.update(mode="fixed", value="2" if key == "majority" else "1")
        notes.append(f"{target}: {chosen['value']} of the 3 store members")
    else:  # leader, follower
        chosen["mode"] = "one"
        notes.append(f"{target}: labels cannot tell etcd's {key}; one store member at random")
    return chosen, notes


def _direction(role: str, peer: str | None, gameday: str) -> tuple[str, list[str]]:
    if gameday == "both" or peer is None:
        return "both", ([] if gameday == "both" else
                        [f"direction {gameday} on every link: both directions"])
    if (role, peer) in DIALS:
        return ("to" if gameday == "upstream" else "from"), []
    if (peer, role) in DIALS:
        return ("from" if gameday == "upstream" else "to"), []
    return "both", [f"direction {gameday} between {role} and {peer}: both directions"]


def _network(kind: str, target: str, params: dict[str, Any], namespace: str,
             notes: list[str]) -> dict[str, Any]:
    selected, more = pods(target, namespace)
    notes += more
    role = re.sub(r"-\d+$", "", target.split(":")[0])
    peer_text = params.get("to")
    spec: dict[str, Any] = dict(selected)
    peer_role = None
    if peer_text:
        peer, more = pods(peer_text, namespace)
        notes += more
        spec["target"] = peer
        peer_role = re.sub(r"-\d+$", "", peer_text.split(":")[0])
    if kind == "partition":
        spec["direction"] = "to" if params.get("one_way") else "both"
        if not peer_text:  # full isolation: from every gameday pod
            spec["target"] = {"selector": {"namespaces": [namespace],
                                           "labelSelectors": {PART_OF: PROJECT}}, "mode": "all"}
    else:
        spec["direction"], more = _direction(role, peer_role, params.get("direction", "both"))
        notes += more
        if spec["direction"] != "to" and "target" not in spec:
            spec["direction"] = "to"
            notes.append("no `to`: every packet the target sends (Chaos Mesh needs a target "
                         "for from/both)")
    return spec


def chaos_spec(fault: str, target: str, params: dict[str, Any],
               namespace: str) -> tuple[str, dict[str, Any], list[str]]:
    if fault in UNSUPPORTED:
        raise Unsupported(UNSUPPORTED[fault])
    # With the fault's defaults filled in (a step keeps only the params it set).
    params = FAULTS[fault].Params.model_validate(params).model_dump()
    notes: list[str] = []
    if fault in ("kill", "restart", "stop"):
        spec, notes = pods(target, namespace)
        if fault == "kill" and not params.get("stay_down"):
            return "PodChaos", {**spec, "action": "pod-kill", "gracePeriod": 0}, notes
        if fault == "restart":
            notes.append("restart: a graceful pod-kill; the workload controller starts a new pod")
            return "PodChaos", {**spec, "action": "pod-kill", "gracePeriod": 30}, notes
        notes.append(f"{fault}: pod-failure (the pod's containers are swapped for a pause "
                     "image until the deadline)")
        return "PodChaos", {**spec, "action": "pod-failure"}, notes
    if fault in ("latency", "loss", "bandwidth", "blackhole", "partition"):
        spec = _network(fault, target, params, namespace, notes)
        if fault == "latency":
            spec.update(action="delay", delay={
                "latency": f"{params.get('ms', 100):g}ms",
                "jitter": f"{params.get('jitter_ms', 0):g}ms", "correlation": "0"})
        elif fault == "loss":
            spec.update(action="loss", loss={"loss": f"{params.get('probability', 0.1) * 100:g}",
                                             "correlation": "0"})
        elif fault == "bandwidth":
            spec.update(action="bandwidth", bandwidth={
                "rate": f"{params.get('bytes_per_s', 10000)}bps", "limit": 20971520,
                "buffer": 10000})
        elif fault == "blackhole":
            notes.append("blackhole as 100% loss: connections time out instead of hanging open")
            spec.update(action="loss", loss={"loss": "100", "correlation": "0"})
        else:
            spec["action"] = "partition"
        return "NetworkChaos", spec, notes
    spec, notes = pods(target, namespace)
    if fault == "cpu-burn":
        return "StressChaos", {**spec, "stressors": {"cpu": {
            "workers": params["cores"], "load": round(params["share"] * 100)}}}, notes
    if fault == "memory-leak":
        notes.append(f"memory-leak: a {params['cap_mb']:g} MB stressor, at stress-ng's pace "
                     f"rather than {params['mb_per_s']:g} MB/s")
        return "StressChaos", {**spec, "stressors": {"memory": {
            "workers": 1, "size": f"{round(params['cap_mb'])}MB"}}}, notes
    if fault in ("http-latency", "http-errors"):
        return "HTTPChaos", _http(fault, spec, params, notes), notes
    if fault == "slow-disk":
        iops = params.get("write_iops", 20)
        notes.append(f"slow-disk: {1000 / iops:g} ms per write/fsync ({iops} IOPS); the "
                     "byte-rate limit has no IOChaos equivalent")
        return "IOChaos", {**spec, "action": "latency", "delay": f"{1000 / iops:g}ms",
                           "volumePath": ETCD_DATA, "path": f"{ETCD_DATA}/**/*",
                           "methods": ["write", "fsync"], "percent": 100}, notes
    raise Unsupported(f"no mapping for fault type {fault!r}")


def _http(fault: str, spec: dict[str, Any], params: dict[str, Any],
          notes: list[str]) -> dict[str, Any]:
    out = {**spec, "port": WEB_PORT}
    if params.get("route"):
        out["path"] = re.sub(r"\{[^}]+\}", "*", params["route"])
    if params.get("method"):
        out["method"] = params["method"].upper()
    if params.get("probability", 1.0) < 1:
        notes.append(f"{fault}: HTTPChaos has no probability; every matching request "
                     f"(gameday: {params['probability']:g})")
    if fault == "http-latency":
        if params.get("jitter_ms"):
            notes.append(f"http-latency: no jitter in HTTPChaos ({params['jitter_ms']:g} ms)")
        return {**out, "target": "Request", "delay": f"{params['ms']:g}ms"}
    return {**out, "target": "Response", "replace": {"code": params.get("status", 500)}}


def checked_spec(fault: str, target: str, params: dict[str, Any],
                 namespace: str) -> tuple[str, dict[str, Any], list[str]]:
    """chaos_spec, validated against the CRD model: the mapping the kubernetes runtime gets."""
    from chaos.export.chaosmesh_model import SPEC_MODELS

    kind, spec, notes = chaos_spec(fault, target, params, namespace)
    SPEC_MODELS[kind].model_validate(spec)
    return kind, spec, notes
