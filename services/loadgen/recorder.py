"""Where users report what they did: the collector in the exporting process, the outbox on a
Locust worker."""

from __future__ import annotations

from typing import Protocol

from services.loadgen.consistency.history import Event


class Recorder(Protocol):
    def request(self, op: str, outcome: str, seconds: float) -> None: ...

    def history(self, event: Event) -> None: ...
