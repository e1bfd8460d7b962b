"""What a drill records: the learner's timeline (hints, answers, remediation moves), the
hidden incident, the measured times and, after the reveal, the debrief."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

DrillState = Literal["running", "revealing", "finished"]
# solved = right diagnosis and steady state restored; mitigated = restored, diagnosis wrong.
Outcome = Literal["solved", "mitigated", "diagnosed", "unsolved", "void"]


class Event(BaseModel):
    t: float  # seconds since the drill started
    kind: str  # start, inject, hint, answer, remediation, breach, mitigated, revert, reveal
    message: str


class Answer(BaseModel):
    t: float
    component: str
    cause: str
    correct: bool
    component_correct: bool
    cause_correct: bool


class Score(BaseModel):
    total: int
    diagnosis: int  # component + cause
    speed: int
    hint_penalty: int
    retry_penalty: int
    move_penalty: int = 0  # harmful remediation moves (scoring.harmful_moves)
    harmful_moves: list[str] = Field(default_factory=list)
    explanation: str


class Detection(BaseModel):
    signal: str  # "alert HighErrorRatio" or "probe web error ratio"
    after_seconds: float  # from the first injection


class Debrief(BaseModel):
    detections: list[Detection] = Field(default_factory=list)
    error_budget_burned: float | None = None
    worst_error_ratio: float | None = None
    report_dir: str | None = None
    charts: list[str] = Field(default_factory=list)
    postmortem: str | None = None  # path of postmortem.md


class InjectedFault(BaseModel):
    id: str | None
    type: str
    target: str
    targets: list[str] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    applied_at: float | None = None  # seconds since the start
    ended_at: float | None = None
    error: str | None = None


class Drill(BaseModel):
    id: str
    difficulty: str
    seed: int
    state: DrillState = "running"
    started_at: float  # epoch seconds
    ended_at: float | None = None
    # The hidden part: shown only once the drill is revealed.
    incident: str
    title: str
    cause: str
    components: list[str]
    faults: list[InjectedFault] = Field(default_factory=list)
    # The learner's part.
    hints_given: list[str] = Field(default_factory=list)
    answers: list[Answer] = Field(default_factory=list)
    remediation: list[dict[str, Any]] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    # Measured.
    steady_state_holds: bool | None = None
    first_breach_after: float | None = None
    mitigated_after: float | None = None  # start of the first 30 s hold after the breach
    diagnosed_after: float | None = None
    paged_after: float | None = None  # the first page that opened during the drill
    acknowledged_after: float | None = None  # its (or any later page's) first acknowledgement
    outcome: Outcome | None = None
    score: Score | None = None
    debrief: Debrief | None = None

    @computed_field
    @property
    def times(self) -> dict[str, float | None]:
        """The on-call clock, in seconds from the start: time to acknowledge the page, to
        diagnose (the right answer), to mitigate (the steady state back for good)."""
        return {"tta": self.acknowledged_after, "ttd": self.diagnosed_after,
                "ttm": self.mitigated_after}

    def note(self, t: float, kind: str, message: str) -> None:
        self.events.append(Event(t=round(t, 3), kind=kind, message=message))

