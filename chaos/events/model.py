"""One event on the timeline: when, what kind, which components, who did it, and details."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from chaos.faults.manager import Actor
from chaos.remediation import ACTIONS

Source = Literal["fault", "component", "page", "remediation", "drill", "store", "silence",
                 "scenario", "load"]
SOURCES: tuple[str, ...] = Source.__args__


class Event(BaseModel):
    ts: float
    source: Source
    kind: str  # e.g. fault.injected, component.exit, page.fired, remediation.scale
    component: str | None = None  # the first of `components`, for one-column readers
    components: list[str] = Field(default_factory=list)
    # Who did it: a person (`user`), a schedule or the monkey, a drill, or the controller
    # itself (its supervisor, its pager, every revert it carries out).
    actor: Actor
    summary: str
    ref: str | None = None  # the fault, page, drill or run id
    details: dict[str, Any] = Field(default_factory=dict)


class Recorded(Event):
    """An event as the log keeps it: with what makes it this event and no other (the recorder
    appends each key once). Readers get the `Event` without it."""

    key: str

# Every kind the timeline records; `kind=` takes one of these or a source (`fault` = fault.*).
KINDS: tuple[str, ...] = (
    "fault.injected", "fault.reverted", "fault.failed", "fault.revert_failed", "fault.skipped",
    "component.exit", "component.stop", "component.restart", "component.start",
    "page.fired", "page.acked", "page.resolved",
    *(f"remediation.{action}" for action in ACTIONS),
    "drill.started", "drill.hint", "drill.answer", "drill.revealed", "drill.ended",
    "store.leader_changed", "silence.added", "scenario.step", "load.changed",
)
