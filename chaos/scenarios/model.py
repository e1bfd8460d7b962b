"""The shape of a scenario file, validated with pydantic (see docs/scenarios.md)."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from chaos.durations import parse_duration
from chaos.faults import FAULTS
from chaos.faults.manager import MAX_DURATION_SECONDS
from chaos.targets import TargetError, parse_target

# Targets are checked for their form when the file is read; whether web-7 exists is only known
# when the fault is applied, against the running stack.
ROLES = {"web", "store", "lb", "proxy", "prometheus", "loadgen"}
_COMPONENT_NAME = re.compile(r"^(web|store)-\d+$|^(lb|proxy|prometheus|loadgen)$")

# A whole run (faults plus recovery) longer than this is almost surely a typo ("30m" for "30s").
MAX_SCENARIO_SECONDS = 1800.0

Duration = Annotated[float, BeforeValidator(parse_duration), Field(ge=0)]


class Strict(BaseModel):
    # A misspelt key ("recover_whithin") must be an error, not a silently ignored default.
    model_config = ConfigDict(extra="forbid")


class Threshold(Strict):
    """Exactly one comparison the query's value must satisfy."""

    below: float | None = None
    above: float | None = None
    equals: float | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Threshold:
        given = [k for k in ("below", "above", "equals") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of below, above or equals"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    def satisfied_by(self, value: float) -> bool:
        if self.below is not None:
            return value < self.below
        if self.above is not None:
            return value > self.above
        return math.isclose(value, self.equals or 0.0, abs_tol=1e-9)

    def describe(self) -> str:
        if self.below is not None:
            return f"< {self.below:g}"
        if self.above is not None:
            return f"> {self.above:g}"
        return f"== {self.equals:g}"


class Probe(Threshold):
    """One steady-state check: a PromQL query whose every series must satisfy the threshold."""

    name: str = Field(min_length=1)
    query: str = Field(min_length=1)
    when_missing: Literal["fail", "pass"] = Field(
        "fail", description="Verdict when the query returns no data (e.g. loadgen not running)",
    )
    must_hold_during_faults: bool = Field(
        False, description="False: the probe may break while faults are active but must hold "
        "again within recover_within. True: any breach during the run fails it.",
    )


class AbortCondition(Threshold):
    """Stop the run and revert everything when the query satisfies the threshold for `for`."""

    name: str = Field(min_length=1)
    query: str = Field(min_length=1)
    for_: Duration = Field(0.0, alias="for")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Step(Strict):
    """A fault as the controller API takes it, applied `at` seconds into the run.

    With `every` and `times` the step repeats; each repetition starts up to `jitter` late.
    """

    name: str | None = Field(None, description="Label in the timeline and on the charts")
    at: Duration = 0.0
    type: str
    target: str
    params: dict[str, Any] = Field(default_factory=dict)
    duration: Duration
    every: Duration | None = None
    jitter: Duration = 0.0
    times: int = Field(1, ge=1, le=100)

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in FAULTS:
            raise ValueError(f"unknown fault type {value!r}; known: {', '.join(sorted(FAULTS))}")
        return value

    @field_validator("target")
    @classmethod
    def _target_form(cls, value: str) -> str:
        names = {value} if _COMPONENT_NAME.match(value) else set()
        try:
            parse_target(value, ROLES, names)
        except TargetError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("duration")
    @classmethod
    def _duration_range(cls, value: float) -> float:
        if not 0 < value <= MAX_DURATION_SECONDS:
            raise ValueError(f"must be more than 0 and at most {MAX_DURATION_SECONDS:.0f}s")
        return value

    @model_validator(mode="after")
    def _params_and_repeats(self) -> Step:
        params_model = FAULTS[self.type].Params
        try:
            self.params = params_model.model_validate(self.params).model_dump(
                mode="json", exclude_unset=True)
        except ValidationError as exc:
            # Re-raised with their own locations by the loader, so a bad param names its line.
            raise ParamsError(exc) from None
        if self.times > 1 and self.every is None:
            raise ValueError("a step with times > 1 needs `every` (the interval between repeats)")
        if self.every is not None:
            if self.every <= 0:
                raise ValueError("every must be more than 0")
            if self.duration + self.jitter > self.every:
                raise ValueError(
                    "duration + jitter must not exceed every, or repeats would overlap")
        elif self.jitter:
            raise ValueError("jitter only applies to a repeating step (with every and times)")
        return self

    @property
    def label(self) -> str:
        return self.name or f"{self.type} {self.target}"

    @property
    def last_end(self) -> float:
        """The latest moment a repetition of this step can end, jitter included."""
        return self.at + (self.times - 1) * (self.every or 0) + self.jitter + self.duration


class ParamsError(ValueError):
    """A step's `params` failed its fault type's own model; carries the per-field errors."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__("; ".join(
            f"params.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()))
        self.errors = error.errors()


class Scenario(Strict):
    name: str = Field("", description="Set from the file name; not written in the file")
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    writeup: str = ""
    difficulty: Literal["easy", "medium", "hard"]
    seed: int | None = None
    steady_state: list[Probe] = Field(min_length=1)
    steps: list[Step] = Field(min_length=1)
    abort_when: list[AbortCondition] = Field(default_factory=list)
    recover_within: Duration
    expected_signals: list[str] = Field(min_length=1)

    @field_validator("steady_state")
    @classmethod
    def _unique_probe_names(cls, probes: list[Probe]) -> list[Probe]:
        seen: set[str] = set()
        for probe in probes:
            if probe.name in seen:
                raise ValueError(f"probe name {probe.name!r} is used twice")
            seen.add(probe.name)
        return probes

    @model_validator(mode="after")
    def _bounded(self) -> Scenario:
        if self.planned_seconds > MAX_SCENARIO_SECONDS:
            raise ValueError(
                f"the run would take up to {self.planned_seconds:.0f}s (last fault end plus "
                f"recover_within); the limit is {MAX_SCENARIO_SECONDS:.0f}s")
        return self

    @property
    def last_fault_end(self) -> float:
        return max(step.last_end for step in self.steps)

    @property
    def planned_seconds(self) -> float:
        """The longest a run can take: every fault, then the recovery deadline."""
        return self.last_fault_end + self.recover_within
