"""The `kubernetes` runtime: gameday's components as the pods of deploy/kubernetes.

Lifecycle moves go through the Kubernetes API (lightkube), with the controller's namespaced
Role (deploy/kubernetes/base/controller.yaml):

- kill: delete the pod with no grace period; its StatefulSet / Deployment brings it back.
- stop (hold): scale a single-pod Deployment to 0 (the replicas it had are kept in an
  annotation, so `start` restores them even after a controller restart); one web pod: mark it
  the cheapest to delete (controller.kubernetes.io/pod-deletion-cost) and scale web down by
  one; a store member (a StatefulSet cannot stop one ordinal): a Chaos Mesh pod-failure.
- restart: a rollout restart (the pod template's restartedAt annotation) of a single-pod
  Deployment; for one pod of web or store, a graceful delete (its workload replaces it).
- pause: refused, Kubernetes has no way to freeze a container through its API.
- network, stress, HTTP and disk-latency faults: Chaos Mesh objects (chaos/export's mapping),
  each with a `duration`, so Chaos Mesh reverts them even if the controller dies; refused
  with the reason when Chaos Mesh is not installed (detected through the API: listing its
  NetworkChaos answers 404 when the CRDs are absent).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from lightkube import ApiError, AsyncClient
from lightkube.generic_resource import create_namespaced_resource
from lightkube.resources.apps_v1 import Deployment, StatefulSet
from lightkube.resources.core_v1 import Pod

from chaos.runtime.base import ComponentStatus, ProcessState, Runtime
from chaos.runtime.exits import ExitKind

# The names and labels of deploy/kubernetes (the Chaos Mesh export selects by them too).
NAMESPACE = "gameday"
PART_OF = "app.kubernetes.io/part-of"
COMPONENT = "app.kubernetes.io/component"
PROJECT = "gameday"

CHAOS = {kind: create_namespaced_resource("chaos-mesh.org", "v1alpha1", kind, kind.lower())
         for kind in ("PodChaos", "NetworkChaos", "StressChaos", "HTTPChaos", "IOChaos")}
# (fault type, target, params, namespace) -> (Chaos Mesh kind, spec, approximations); raises
# with the reason when a fault has no equivalent. Injected (the controller passes
# chaos.export.chaosmesh_targets.checked_spec): the runtime layer knows no export format.
ChaosMapping = Callable[[str, str, dict, str], tuple[str, dict, list[str]]]
HELD = "gameday.dev/held-replicas"
DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
MEMBER_ROLES = {"web", "store"}  # components named by their pods; others by their workload
DELEGATED = {"latency", "loss", "bandwidth", "blackhole", "partition", "cpu-burn",
             "memory-leak", "http-latency", "http-errors", "slow-disk"}
NO_PAUSE = ("Kubernetes cannot freeze a container through its API (no SIGSTOP or cgroup "
            "freezer verb); use kill or stop instead")


class RuntimeRefused(Exception):
    """The runtime cannot do this here; the message says why (answered as 409)."""


@dataclass
class Component:
    name: str
    role: str
    workload: Deployment | StatefulSet
    pods: list[Pod]


class KubernetesRuntime(Runtime):
    name = "kubernetes"

    def __init__(self, client: AsyncClient, namespace: str = NAMESPACE,
                 chaos_mapping: ChaosMapping | None = None) -> None:
        self.client = client
        self.namespace = namespace
        self.chaos_mapping = chaos_mapping
        self._components: dict[str, Component] = {}
        self._workloads: list[Deployment | StatefulSet] = []
        self.chaos_mesh: str | None = None  # None: not checked; "" installed; else why not

    # --- what is there ------------------------------------------------------------------
    async def refresh(self) -> None:
        """Read the workloads and pods (statuses() is synchronous and answers from this)."""
        labels = {PART_OF: PROJECT}
        workloads = [w async for w in self.client.list(Deployment, namespace=self.namespace,
                                                       labels=labels)]
        workloads += [w async for w in self.client.list(StatefulSet, namespace=self.namespace,
                                                        labels=labels)]
        pods = [p async for p in self.client.list(Pod, namespace=self.namespace, labels=labels)]
        components: dict[str, Component] = {}
        for workload in workloads:
            role = workload.spec.template.metadata.labels.get(COMPONENT, "")
            mine = [p for p in pods if _selected(p, workload)]
            if role in MEMBER_ROLES:
                for pod in mine:
                    components[pod.metadata.name] = Component(pod.metadata.name, role,
                                                              workload, [pod])
            else:
                components[workload.metadata.name] = Component(workload.metadata.name, role,
                                                               workload, mine)
        self._components = components
        self._workloads = workloads
        self.chaos_mesh = await self._detect_chaos_mesh()

    async def _detect_chaos_mesh(self) -> str:
        try:
            async for _ in self.client.list(CHAOS["NetworkChaos"], namespace=self.namespace):
                break
        except ApiError as exc:
            if exc.status.code == 404:
                return "Chaos Mesh is not installed (no chaos-mesh.org/v1alpha1 API)"
            return f"the controller may not use Chaos Mesh here: {exc.status.message}"
        return ""

    def statuses(self) -> list[ComponentStatus]:
        return [self._status(c) for c in self._components.values()]

    def _status(self, component: Component) -> ComponentStatus:
        annotations = component.workload.metadata.annotations or {}
        held = HELD in annotations and component.role not in MEMBER_ROLES
        restarts = sum(cs.restartCount for p in component.pods
                       for cs in (p.status.containerStatuses or []) if p.status)
        return ComponentStatus(name=component.name, role=component.role,
                               state=_state(component.pods), restarts=restarts,
                               held_down=held)

    def capabilities(self) -> set[str]:
        return {"kubernetes"} | ({"chaos-mesh"} if self.chaos_mesh == "" else set())

    def support(self, fault_type: str) -> str | None:
        """None if this runtime can carry `fault_type`, else why not."""
        if fault_type == "pause":
            return NO_PAUSE
        if fault_type in ("kill", "stop", "restart"):
            return None
        if fault_type in DELEGATED:
            return self._no_chaos_mesh()
        return f"the kubernetes runtime has no mechanism for {fault_type}"

    def _no_chaos_mesh(self) -> str | None:
        if self.chaos_mesh is None:
            return "Chaos Mesh detection has not run yet (refresh() first)"
        return self.chaos_mesh or None

    def _get(self, name: str) -> Component:
        try:
            return self._components[name]
        except KeyError:
            raise KeyError(f"unknown component {name!r}; known: "
                           f"{', '.join(sorted(self._components))}") from None

    # --- lifecycle ----------------------------------------------------------------------
    async def kill(self, name: str, *, hold: bool = False) -> None:
        if hold:
            await self.stop(name, hold=True, cause=ExitKind.fault_stop)
            return
        for pod in self._get(name).pods:
            await self.client.delete(Pod, pod.metadata.name, namespace=self.namespace,
                                     grace_period=0)

    async def stop(self, name: str, *, hold: bool = True,
                   cause: ExitKind = ExitKind.supervisor_stop) -> None:
        component = self._get(name)
        if not hold:
            await self._graceful_delete(component)
            return
        if component.role == "store":
            await self._hold_member(component)
            return
        workload = await self._fresh(component.workload)
        replicas = workload.spec.replicas or 0
        annotations = workload.metadata.annotations or {}
        if component.role in MEMBER_ROLES:  # one web pod out of several
            for pod in component.pods:
                await self.client.patch(Pod, pod.metadata.name, {"metadata": {"annotations": {
                    DELETION_COST: "-1000"}}}, namespace=self.namespace)
            target = max(replicas - 1, 0)
        else:
            target = 0
        held = annotations.get(HELD, str(replicas))
        await self._annotate(workload, {HELD: held})
        await self._scale(workload, target)

    async def start(self, name: str) -> None:
        component = self._components.get(name)
        if component is not None and component.role == "store":
            await self._delete_chaos("PodChaos", _hold_name(name))
            return
        # A held web pod is gone for good (its replacement gets a new name): its workload
        # is found by the pod name's prefix.
        workload = component.workload if component else next(
            (w for w in self._workloads if name.startswith(f"{w.metadata.name}-")), None)
        if workload is None:
            raise KeyError(f"unknown component {name!r}")
        workload = await self._fresh(workload)
        held = (workload.metadata.annotations or {}).get(HELD)
        if held is not None:
            await self._scale(workload, int(held))
            await self._annotate(workload, {HELD: None})

    async def restart(self, name: str, *, env: dict[str, str] | None = None) -> None:
        component = self._get(name)
        if env is not None:
            raise RuntimeRefused("a release change (new environment) is a new pod template "
                                 "for every pod of the workload: deploy it with kubectl")
        if component.role in MEMBER_ROLES:
            await self._graceful_delete(component)
            return
        await self.client.patch(type(component.workload), component.workload.metadata.name,
                                {"spec": {"template": {"metadata": {"annotations": {
                                    RESTARTED_AT: time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                time.gmtime())}}}}},
                                namespace=self.namespace)

    async def pause(self, name: str) -> None:
        raise RuntimeRefused(NO_PAUSE)

    async def resume(self, name: str) -> None:
        """Nothing was paused (pause is refused)."""

    # --- faults delegated to Chaos Mesh -------------------------------------------------
    async def apply_chaos(self, fault_id: str, fault_type: str, target: str, params: dict,
                          duration: float) -> str:
        """Create the Chaos Mesh object for one fault; returns its name (gameday-<id>)."""
        reason = self.support(fault_type)
        if reason:
            raise RuntimeRefused(reason)
        if self.chaos_mapping is None:
            raise RuntimeRefused("this runtime was built without a Chaos Mesh mapping")
        try:
            kind, spec, _notes = self.chaos_mapping(fault_type, target, params, self.namespace)
        except Exception as exc:  # noqa: BLE001 - the mapping's reason is the refusal
            raise RuntimeRefused(str(exc)) from None
        name = f"gameday-{fault_id}".lower()
        await self._create_chaos(kind, name, {**spec, "duration": _go_duration(duration)},
                                 {"gameday.dev/fault": fault_id})
        return name

    async def revert_chaos(self, fault_id: str) -> None:
        """Delete whatever Chaos Mesh object this fault created (idempotent)."""
        for kind in CHAOS:
            await self._delete_chaos(kind, f"gameday-{fault_id}".lower())

    async def _hold_member(self, component: Component) -> None:
        reason = self._no_chaos_mesh()
        if reason:
            raise RuntimeRefused(f"stopping {component.name} alone needs Chaos Mesh (a "
                                 f"StatefulSet cannot stop one member): {reason}")
        spec = {"selector": {"namespaces": [self.namespace],
                             "pods": {self.namespace: [component.name]}},
                "mode": "all", "action": "pod-failure"}
        await self._create_chaos("PodChaos", _hold_name(component.name), spec,
                                 {"gameday.dev/hold": component.name})

    async def _create_chaos(self, kind: str, name: str, spec: dict,
                            annotations: dict[str, str]) -> None:
        resource = CHAOS[kind]
        await self.client.create(resource(
            metadata={"name": name, "namespace": self.namespace,
                      "labels": {PART_OF: PROJECT}, "annotations": annotations},
            spec=spec))

    async def _delete_chaos(self, kind: str, name: str) -> None:
        try:
            await self.client.delete(CHAOS[kind], name, namespace=self.namespace)
        except ApiError as exc:
            if exc.status.code != 404:
                raise

    # --- helpers ------------------------------------------------------------------------
    async def _fresh(self, workload: Deployment | StatefulSet) -> Deployment | StatefulSet:
        """The workload as the API has it now: holds are decided on current replicas."""
        return await self.client.get(type(workload), workload.metadata.name,
                                     namespace=self.namespace)

    async def _graceful_delete(self, component: Component) -> None:
        for pod in component.pods:
            await self.client.delete(Pod, pod.metadata.name, namespace=self.namespace)

    async def _scale(self, workload: Deployment | StatefulSet, replicas: int) -> None:
        await self.client.patch(type(workload).Scale, workload.metadata.name,
                                {"spec": {"replicas": replicas}}, namespace=self.namespace)

    async def _annotate(self, workload: Deployment | StatefulSet,
                        annotations: dict[str, str | None]) -> None:
        await self.client.patch(type(workload), workload.metadata.name,
                                {"metadata": {"annotations": annotations}},
                                namespace=self.namespace)


def _go_duration(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def _hold_name(member: str) -> str:
    return f"gameday-hold-{member}"


def _selected(pod: Pod, workload: Deployment | StatefulSet) -> bool:
    wanted = workload.spec.selector.matchLabels or {}
    labels = pod.metadata.labels or {}
    return all(labels.get(k) == v for k, v in wanted.items())


def _state(pods: list[Pod]) -> ProcessState:
    if not pods:
        return ProcessState.stopped
    if any(p.metadata.deletionTimestamp for p in pods):
        return ProcessState.restarting
    ready = all(any(c.type == "Ready" and c.status == "True"
                    for c in (p.status.conditions or [])) for p in pods if p.status)
    if all(p.status and p.status.phase == "Running" for p in pods) and ready:
        return ProcessState.running
    return ProcessState.starting
