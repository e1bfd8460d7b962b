"""When each fault of a scenario is applied: the steps expanded into a schedule (pure)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from chaos.faults.manager import FaultRequest
from chaos.scenarios.model import Scenario, Step


@dataclass(frozen=True)
class PlannedFault:
    step: int  # index into scenario.steps
    repeat: int  # 0-based repetition of that step
    at: float  # seconds from the run's start
    duration: float
    label: str
    request: FaultRequest

    @property
    def end(self) -> float:
        return self.at + self.duration


def plan(scenario: Scenario, rng: random.Random) -> list[PlannedFault]:
    """Every injection of the run in start order. Jitter only ever delays a repetition, so a
    step never starts before its `at`, and the same seed gives the same schedule."""
    planned = []
    for index, step in enumerate(scenario.steps):
        for repeat in range(step.times):
            delay = rng.uniform(0, step.jitter) if step.jitter else 0.0
            at = step.at + repeat * (step.every or 0.0) + delay
            planned.append(PlannedFault(
                step=index, repeat=repeat, at=round(at, 3), duration=step.duration,
                label=_label(step, repeat), request=_request(step),
            ))
    return sorted(planned, key=lambda p: (p.at, p.step, p.repeat))


def _label(step: Step, repeat: int) -> str:
    return f"{step.label} #{repeat + 1}" if step.times > 1 else step.label


def _request(step: Step) -> FaultRequest:
    return FaultRequest(type=step.type, target=step.target, params=step.params,
                        duration=step.duration)


def due(planned: list[PlannedFault], started: int, now: float) -> list[PlannedFault]:
    """The planned faults from index `started` on whose time has come."""
    return [p for p in planned[started:] if p.at <= now]
