"""Master side (or single process): the exported metrics and the consistency checker, fed by
local users or by worker reports."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from services.loadgen.consistency.checker import ConsistencyChecker
from services.loadgen.consistency.history import Event, decode
from services.loadgen.metrics import LoadMetrics


class Collector:
    """Also tracks how far each worker's history is known to be complete (its watermark),
    so reads are only checked once every write acknowledged before them has arrived."""

    def __init__(
        self,
        metrics: LoadMetrics,
        checker: ConsistencyChecker,
        clock: Callable[[], float] = time.monotonic,
        stale_after: float = 10.0,
    ) -> None:
        self.metrics = metrics
        self.checker = checker
        self._clock = clock
        # A worker that stopped reporting (crashed, cut off) must not hold checking back
        # forever; late events from it can then only hide violations, never invent them.
        self._stale_after = stale_after
        self._sources: dict[str, tuple[float, float]] = {}  # source -> (complete up to, seen at)

    def request(self, op: str, outcome: str, seconds: float) -> None:
        self.metrics.observe(op, outcome, seconds)

    def history(self, event: Event) -> None:
        self.checker.add(event)

    def expect(self, source: str) -> None:
        """A worker connected: hold checking at this point until it has reported."""
        now = self._clock()
        self._sources.setdefault(source, (now, now))

    def merge(self, source: str, report: dict[str, Any]) -> None:
        for op, outcome, seconds in report["requests"]:
            self.metrics.observe(op, outcome, seconds)
        for event in report["history"]:
            self.checker.add(decode(event))
        self._sources[source] = (report["clock"], self._clock())

    def watermark(self) -> float:
        """Every event that ended before this time has arrived."""
        now = self._clock()
        live = [
            complete_up_to
            for complete_up_to, seen_at in self._sources.values()
            if now - seen_at <= self._stale_after
        ]
        return min([now, *live])

    def refresh(self) -> None:
        self.checker.advance(self.watermark())
        self.metrics.sync_violations(self.checker.violations)
