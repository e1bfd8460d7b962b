"""What a run records: its state, timeline, per-fault measurements and verdict.

The runner updates one RunRecord in place; the API serves it while the run goes (the CLI polls
it for progress) and the report writes it as result.json.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from chaos.scenarios.probes import ProbeResult

RunState = Literal["running", "recovering", "reporting", "finished"]
Verdict = Literal["passed", "failed", "aborted"]


class Event(BaseModel):
    t: float  # seconds since the run started
    kind: str  # check, inject, revert, detect, recover, breach, abort, heal, verdict, error
    message: str


class FaultOutcome(BaseModel):
    """One injection and what it did to the system."""

    label: str
    step: int
    repeat: int
    type: str
    target: str
    planned_at: float
    started_at: float | None = None  # when the runner called inject (lateness = this - planned)
    applied_at: float | None = None
    ended_at: float | None = None  # reverted (or its deadline passed)
    fault_id: str | None = None
    targets: list[str] = Field(default_factory=list)
    state: str = "planned"  # planned, active, reverted, failed, skipped
    error: str | None = None
    time_to_detect: float | None = None
    detected_by: list[str] = Field(default_factory=list)
    time_to_recover: float | None = None
    worst_error_ratio: float | None = None
    worst_p99_seconds: float | None = None


class Breach(BaseModel):
    probe: str
    t: float
    phase: str  # during-faults or recovery
    value: float | None
    expected: str


class RunRecord(BaseModel):
    id: str
    scenario: str
    title: str
    source: str  # who started it: api, cli, schedule, monkey, ...
    seed: int | None = None
    forced: bool = False
    state: RunState = "running"
    verdict: Verdict | None = None
    reason: str = ""
    started_at: float  # wall clock (epoch seconds), for Prometheus ranges
    ended_at: float | None = None
    elapsed: float = 0.0
    planned_seconds: float
    recover_within: float
    steady_state_before: list[ProbeResult] = Field(default_factory=list)
    last_probes: list[ProbeResult] = Field(default_factory=list)
    faults: list[FaultOutcome] = Field(default_factory=list)
    breaches: list[Breach] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    recovered_after: float | None = None  # seconds after the heal until steady state held
    error_budget_burned: float | None = None  # 1.0 = the whole 99.9% budget of the run's traffic
    consistency: dict[str, Any] | None = None
    report_dir: str | None = None
    charts: list[str] = Field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.state != "finished"

    def note(self, t: float, kind: str, message: str) -> None:
        self.events.append(Event(t=round(t, 3), kind=kind, message=message))
