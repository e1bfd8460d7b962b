"""Worker side of metrics shipping: buffer what happened since the last report.

Locust workers already send the master a stats report every `WORKER_REPORT_INTERVAL`
seconds (and a final one when they stop). The worker drains its outbox into that report, the
master merges it into the one exported registry and checker: every request is counted once,
by the master only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from services.loadgen.consistency.history import Event, encode

REPORT_KEY = "gameday"


class Outbox:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._requests: list[list[Any]] = []
        self._history: list[dict[str, Any]] = []

    def request(self, op: str, outcome: str, seconds: float) -> None:
        self._requests.append([op, outcome, seconds])

    def history(self, event: Event) -> None:
        self._history.append(encode(event))

    def drain(self) -> dict[str, Any]:
        """Everything recorded so far, stamped with the time of the drain.

        Events are recorded right after their end time is taken, without yielding to another
        greenlet, so every event that ended before `clock` is in this report or an earlier one.
        The master relies on that to know when a worker's history is complete up to a time.
        """
        report = {"clock": self._clock(), "requests": self._requests, "history": self._history}
        self._requests, self._history = [], []
        return report
