"""Steady-state probes and abort conditions evaluated against query results (pure logic).

The query itself is injected: `Query = async (expr) -> list[float]`, so tests need no
Prometheus and the runner's Prometheus client stays a thin adapter.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

from pydantic import BaseModel

from chaos.scenarios.model import AbortCondition, Probe, Threshold

Query = Callable[[str], Awaitable[list[float]]]


class QueryFailed(Exception):
    """Prometheus did not answer or rejected the query."""


class ProbeResult(BaseModel):
    name: str
    ok: bool
    value: float | None  # the worst series' value; None when there was no data
    expected: str  # e.g. "< 0.01"
    detail: str = ""

    def describe(self) -> str:
        shown = "no data" if self.value is None else f"{self.value:.4g}"
        extra = f" {self.detail}" if self.detail else ""
        return f"{self.name} = {shown} (want {self.expected}){extra}"


def worst(threshold: Threshold, values: list[float]) -> float:
    """The value furthest on the wrong side of the threshold, the one worth reporting."""
    if threshold.below is not None:
        return max(values)
    if threshold.above is not None:
        return min(values)
    return max(values, key=lambda v: abs(v - (threshold.equals or 0.0)))


def judge_probe(probe: Probe, values: list[float] | None, error: str = "") -> ProbeResult:
    """A probe holds when every series satisfies its threshold. NaN (e.g. a quantile with no
    traffic) counts as no data, like an empty result."""
    clean = [v for v in values or [] if not math.isnan(v)]
    if not clean:
        return ProbeResult(name=probe.name, ok=probe.when_missing == "pass" and not error,
                           value=None, expected=probe.describe(), detail=error or "no data")
    value = worst(probe, clean)
    return ProbeResult(name=probe.name, ok=probe.satisfied_by(value), value=value,
                       expected=probe.describe())


async def evaluate(probes: list[Probe], query: Query) -> list[ProbeResult]:
    results = []
    for probe in probes:
        try:
            results.append(judge_probe(probe, await query(probe.query)))
        except QueryFailed as exc:
            # An unanswerable probe never passes: no evidence the system is healthy.
            results.append(judge_probe(probe, None, error=f"query failed: {exc}"))
    return results


def all_hold(results: list[ProbeResult]) -> bool:
    return all(r.ok for r in results)


class AbortWatch:
    """Tracks abort conditions over time; one triggers once it has held for its `for`."""

    def __init__(self, conditions: list[AbortCondition]) -> None:
        self.conditions = conditions
        self._since: dict[str, float] = {}

    async def check(self, now: float, query: Query) -> tuple[AbortCondition, float] | None:
        values = {}
        for condition in self.conditions:
            try:
                values[condition.name] = await query(condition.query)
            except QueryFailed:
                values[condition.name] = []  # unknown is not a reason to abort
        return self.observe(now, values)

    def observe(self, now: float, values: dict[str, list[float]]
                ) -> tuple[AbortCondition, float] | None:
        """Feed one round of values; returns the triggered condition and its worst value."""
        for condition in self.conditions:
            clean = [v for v in values.get(condition.name, []) if not math.isnan(v)]
            value = worst(condition, clean) if clean else None
            if value is None or not condition.satisfied_by(value):
                self._since.pop(condition.name, None)
                continue
            since = self._since.setdefault(condition.name, now)
            if now - since >= condition.for_:
                return condition, value
        return None
