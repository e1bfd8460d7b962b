"""A scenario's steps laid out as the strikes a run makes: repeats expanded, jitter drawn."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from chaos.scenarios.model import Scenario, Step

# Faults shorter than this are rounded up: both formats count in whole milliseconds and the
# fault manager refuses a zero duration.
MIN_SECONDS = 0.001


@dataclass(frozen=True)
class Strike:
    """One injection: a step's repetition `index`, starting `start` seconds into the run."""

    step: Step
    index: int
    start: float
    duration: float

    @property
    def end(self) -> float:
        return self.start + self.duration

    @property
    def label(self) -> str:
        base = self.step.label
        return f"{base} (#{self.index + 1})" if self.step.times > 1 else base

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.step.params)


def timeline(scenario: Scenario, time_scale: float = 1.0) -> list[Strike]:
    """Every strike in start order. Jitter is drawn from the scenario's seed (0 without one),
    so an export is reproducible; `time_scale` shrinks offsets and durations (not the
    recovery deadline: Prometheus's 15 s windows do not shrink with it)."""
    if not 0 < time_scale <= 1:
        raise ValueError("time_scale must be more than 0 and at most 1")
    rng = random.Random(scenario.seed or 0)
    strikes = []
    for step in scenario.steps:
        for index in range(step.times):
            start = step.at + index * (step.every or 0) + (rng.uniform(0, step.jitter)
                                                           if step.jitter else 0.0)
            strikes.append(Strike(step, index, round(start * time_scale, 3),
                                  max(round(step.duration * time_scale, 3), MIN_SECONDS)))
    return sorted(strikes, key=lambda s: s.start)


def seconds_text(seconds: float) -> str:
    """A duration both Go (Chaos Mesh) and gameday parse: 5s, 1500ms."""
    ms = round(seconds * 1000)
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"
