"""The subset of Chaos Mesh's CRDs (chaos-mesh.org/v1alpha1) that the exporter writes.

Written from the published API types (api/v1alpha1: workflow_types.go, statuscheck_types.go,
schedule_types.go, selector.go, podchaos/networkchaos/stresschaos/httpchaos/iochaos_types.go
and their kubebuilder enums); field names are the JSON names there. extra="forbid" so a
misspelt or invented field fails here instead of being silently pruned by the API server.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

API_VERSION = "chaos-mesh.org/v1alpha1"
GO_DURATION = r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$"
FLOAT_STR = r"^\d+(\.\d+)?$"
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
# tc's units, as Chaos Mesh's bandwidth `rate` accepts them (bps = bytes per second).
RATE = r"^\d+(bit|kbit|mbit|gbit|tbit|bps|kbps|mbps|gbps|tbps)$"

GoDuration = str
SelectorMode = Literal["one", "all", "fixed", "fixed-percent", "random-max-percent"]
ChaosKind = Literal["PodChaos", "NetworkChaos", "StressChaos", "HTTPChaos", "IOChaos"]
EMBED_FIELD = {"PodChaos": "podChaos", "NetworkChaos": "networkChaos",
               "StressChaos": "stressChaos", "HTTPChaos": "httpChaos", "IOChaos": "ioChaos"}
IoMethod = Literal["lookup", "forget", "getattr", "setattr", "readlink", "mknod", "mkdir",
                   "unlink", "rmdir", "symlink", "rename", "link", "open", "read", "write",
                   "flush", "release", "fsync", "opendir", "readdir", "releasedir", "fsyncdir"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _duration(value: str | None) -> str | None:
    if value is not None and not re.match(GO_DURATION, value):
        raise ValueError(f"{value!r} is not a Go duration (e.g. 500ms, 30s, 1m30s)")
    return value


class ObjectMeta(Strict):
    name: str = Field(pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
    namespace: str = Field(pattern=DNS_LABEL)
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None


class ExpressionRequirement(Strict):
    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: list[str] | None = None


class PodSelectorSpec(Strict):
    namespaces: list[str] | None = None
    fieldSelectors: dict[str, str] | None = None
    labelSelectors: dict[str, str] | None = None
    expressionSelectors: list[ExpressionRequirement] | None = None
    annotationSelectors: dict[str, str] | None = None
    nodes: list[str] | None = None
    pods: dict[str, list[str]] | None = None
    nodeSelectors: dict[str, str] | None = None
    podPhaseSelectors: list[str] | None = None


class PodSelector(Strict):
    selector: PodSelectorSpec
    mode: SelectorMode
    value: str | None = None

    @model_validator(mode="after")
    def _value_for_mode(self) -> PodSelector:
        if self.mode in ("fixed", "fixed-percent", "random-max-percent"):
            if self.value is None or not (self.value.isascii() and self.value.isdigit()):
                raise ValueError(f"mode {self.mode} needs a numeric value")
            if self.mode != "fixed" and not 0 < int(self.value) <= 100:
                raise ValueError(f"mode {self.mode} needs a value in 1..100")
        return self


class PodChaosSpec(PodSelector):
    containerNames: list[str] | None = None
    action: Literal["pod-kill", "pod-failure", "container-kill"]
    duration: GoDuration | None = None
    gracePeriod: int | None = Field(None, ge=0)

    _d = field_validator("duration")(_duration)


class DelaySpec(Strict):
    latency: GoDuration
    correlation: str | None = Field(None, pattern=FLOAT_STR)
    jitter: GoDuration | None = None

    _d = field_validator("latency", "jitter")(_duration)


class LossSpec(Strict):
    loss: str = Field(pattern=FLOAT_STR)
    correlation: str | None = Field(None, pattern=FLOAT_STR)


class BandwidthSpec(Strict):
    rate: str = Field(pattern=RATE)
    limit: int = Field(ge=1, lt=2**32)
    buffer: int = Field(ge=1, lt=2**32)
    peakrate: int | None = Field(None, ge=0)
    minburst: int | None = Field(None, ge=0)


class NetworkChaosSpec(PodSelector):
    action: Literal["netem", "delay", "loss", "duplicate", "corrupt", "partition", "bandwidth"]
    device: str | None = None
    duration: GoDuration | None = None
    delay: DelaySpec | None = None
    loss: LossSpec | None = None
    bandwidth: BandwidthSpec | None = None
    direction: Literal["to", "from", "both"] | None = None
    target: PodSelector | None = None
    targetDevice: str | None = None
    externalTargets: list[str] | None = None

    _d = field_validator("duration")(_duration)

    @model_validator(mode="after")
    def _action_params(self) -> NetworkChaosSpec:
        needed = {"delay": self.delay, "loss": self.loss, "bandwidth": self.bandwidth}
        if self.action in needed and needed[self.action] is None:
            raise ValueError(f"action {self.action} needs its `{self.action}` parameters")
        if self.direction in ("from", "both") and self.target is None \
                and self.action != "partition":
            raise ValueError(f"direction {self.direction} needs a target")
        return self


class CPUStressor(Strict):
    workers: int = Field(ge=1)
    load: int | None = Field(None, ge=0, le=100)
    options: list[str] | None = None


class MemoryStressor(Strict):
    workers: int = Field(ge=1)
    size: str | None = Field(None, pattern=r"^\d+(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|%)$")
    oomScoreAdj: int | None = Field(None, ge=-1000, le=1000)
    options: list[str] | None = None


class Stressors(Strict):
    memory: MemoryStressor | None = None
    cpu: CPUStressor | None = None

    @model_validator(mode="after")
    def _one(self) -> Stressors:
        if self.memory is None and self.cpu is None:
            raise ValueError("give at least one stressor (cpu or memory)")
        return self


class StressChaosSpec(PodSelector):
    containerNames: list[str] | None = None
    stressors: Stressors
    stressngStressors: str | None = None
    duration: GoDuration | None = None

    _d = field_validator("duration")(_duration)


class HTTPReplace(Strict):
    path: str | None = None
    method: str | None = None
    code: int | None = Field(None, ge=100, le=599)
    queries: dict[str, str] | None = None
    headers: dict[str, str] | None = None


class HTTPChaosSpec(PodSelector):
    target: Literal["Request", "Response"]
    abort: bool | None = None
    delay: GoDuration | None = None
    replace: HTTPReplace | None = None
    port: int = Field(ge=1, le=65535)
    path: str | None = None
    method: Literal["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "CONNECT",
                    "TRACE"] | None = None
    code: int | None = None
    request_headers: dict[str, str] | None = None
    response_headers: dict[str, str] | None = None
    duration: GoDuration | None = None

    _d = field_validator("delay", "duration")(_duration)

    @model_validator(mode="after")
    def _an_action(self) -> HTTPChaosSpec:
        if not (self.abort or self.delay or self.replace):
            raise ValueError("give an action: abort, delay or replace")
        if self.target == "Request" and self.replace and self.replace.code is not None:
            raise ValueError("replace.code only applies to target Response")
        return self


class IOChaosSpec(PodSelector):
    containerNames: list[str] | None = None
    action: Literal["latency", "fault", "attrOverride", "mistake"]
    delay: GoDuration | None = None
    errno: int | None = Field(None, ge=0)
    path: str | None = None
    methods: list[IoMethod] | None = None
    percent: int | None = Field(None, ge=0, le=100)
    volumePath: str
    duration: GoDuration | None = None

    _d = field_validator("delay", "duration")(_duration)

    @model_validator(mode="after")
    def _action_params(self) -> IOChaosSpec:
        if self.action == "latency" and not self.delay:
            raise ValueError("action latency needs delay")
        if self.action == "fault" and not self.errno:
            raise ValueError("action fault needs errno")
        return self


class HTTPCriteria(Strict):
    statusCode: str = Field(pattern=r"^\d{3}(-\d{3})?$")


class HTTPStatusCheck(Strict):
    url: str = Field(pattern=r"^https?://")
    method: Literal["GET", "POST"] | None = None
    headers: dict[str, list[str]] | None = None
    body: str | None = None
    criteria: HTTPCriteria


class StatusCheckSpec(Strict):
    mode: Literal["Synchronous", "Continuous"] | None = None
    type: Literal["HTTP"]
    duration: GoDuration | None = None
    timeoutSeconds: int | None = Field(None, ge=1)
    intervalSeconds: int | None = Field(None, ge=1)
    failureThreshold: int | None = Field(None, ge=1)
    successThreshold: int | None = Field(None, ge=1)
    recordsHistoryLimit: int | None = Field(None, ge=1, le=1000)
    http: HTTPStatusCheck

    _d = field_validator("duration")(_duration)


class EmbedChaos(Strict):
    podChaos: PodChaosSpec | None = None
    networkChaos: NetworkChaosSpec | None = None
    stressChaos: StressChaosSpec | None = None
    httpChaos: HTTPChaosSpec | None = None
    ioChaos: IOChaosSpec | None = None

    def embedded(self) -> set[str]:
        return {f for f in EMBED_FIELD.values() if getattr(self, f) is not None}

    def _matches(self, kind: str) -> None:
        want = {EMBED_FIELD[kind]} if kind in EMBED_FIELD else set()
        if self.embedded() != want:
            raise ValueError(f"a {kind} must carry exactly {sorted(want) or 'no chaos spec'}, "
                             f"not {sorted(self.embedded())}")


class Template(EmbedChaos):
    name: str = Field(pattern=DNS_LABEL)
    templateType: Literal["Serial", "Parallel", "Suspend", "StatusCheck"] | ChaosKind
    deadline: GoDuration | None = None
    children: list[str] | None = None
    statusCheck: StatusCheckSpec | None = None
    abortWithStatusCheck: bool | None = None

    _d = field_validator("deadline")(_duration)

    @model_validator(mode="after")
    def _shape(self) -> Template:
        kind = self.templateType
        self._matches(kind)
        if (kind in ("Serial", "Parallel")) != bool(self.children):
            raise ValueError("Serial and Parallel templates, and only they, have children")
        if kind in ("Suspend", *EMBED_FIELD) and not self.deadline:
            raise ValueError(f"a {kind} template needs a deadline")
        if (kind == "StatusCheck") != (self.statusCheck is not None):
            raise ValueError("statusCheck belongs to (and is required by) StatusCheck templates")
        if self.abortWithStatusCheck is not None and kind != "StatusCheck":
            raise ValueError("abortWithStatusCheck only applies to StatusCheck templates")
        return self


class WorkflowSpec(Strict):
    entry: str
    templates: list[Template] = Field(min_length=1)

    @model_validator(mode="after")
    def _graph(self) -> WorkflowSpec:
        names = [t.name for t in self.templates]
        if len(set(names)) != len(names):
            raise ValueError("template names must be unique")
        by_name = {t.name: t for t in self.templates}
        if self.entry not in by_name:
            raise ValueError(f"entry {self.entry!r} is not a template")
        for template in self.templates:
            for child in template.children or []:
                if child not in by_name:
                    raise ValueError(f"{template.name}: unknown child {child!r}")
        seen: set[str] = set()

        def walk(name: str, path: tuple[str, ...]) -> None:
            if name in path:
                raise ValueError(f"cycle through {name!r}")
            seen.add(name)
            for child in by_name[name].children or []:
                walk(child, (*path, name))

        walk(self.entry, ())
        unused = sorted(set(names) - seen)
        if unused:
            raise ValueError(f"templates not reachable from the entry: {unused}")
        return self


class Workflow(Strict):
    apiVersion: Literal["chaos-mesh.org/v1alpha1"]
    kind: Literal["Workflow"]
    metadata: ObjectMeta
    spec: WorkflowSpec


class ScheduleSpec(EmbedChaos):
    schedule: str = Field(min_length=1)
    startingDeadlineSeconds: int | None = Field(None, ge=0)
    concurrencyPolicy: Literal["Forbid", "Allow"]
    historyLimit: int | None = Field(None, ge=1)
    type: ChaosKind

    @model_validator(mode="after")
    def _embedded(self) -> ScheduleSpec:
        self._matches(self.type)
        return self


class Schedule(Strict):
    apiVersion: Literal["chaos-mesh.org/v1alpha1"]
    kind: Literal["Schedule"]
    metadata: ObjectMeta
    spec: ScheduleSpec


SPEC_MODELS: dict[str, type[Strict]] = {
    "PodChaos": PodChaosSpec, "NetworkChaos": NetworkChaosSpec, "StressChaos": StressChaosSpec,
    "HTTPChaos": HTTPChaosSpec, "IOChaos": IOChaosSpec}


def check(document: dict) -> Workflow | Schedule:
    """Validate one exported document against the model of its kind."""
    model = {"Workflow": Workflow, "Schedule": Schedule}.get(document.get("kind"))
    if model is None:
        raise ValueError(f"unexpected kind {document.get('kind')!r}")
    return model.model_validate(document)
