"""`LeaderWatch`: store leader changes for the timeline, from the controller's cluster view."""

from __future__ import annotations

from collections.abc import Callable

from chaos.events.model import Recorded

KEPT = 20  # changes held for the recorder; it appends each once


class LeaderWatch:
    """Store leader changes as the controller's cluster view sees them (`leader()`): the first
    leader seen is the baseline, each later, different leader one `store.leader_changed`."""

    def __init__(self, leader: Callable[[], str | None], clock: Callable[[], float]) -> None:
        self.leader, self.clock = leader, clock
        self.last: str | None = None
        self.changes: list[Recorded] = []

    def __call__(self, since: float) -> list[Recorded]:
        now = self.leader()
        if now is not None and now != self.last:
            if self.last is not None:
                ts = self.clock()
                self.changes = [*self.changes[-KEPT:], Recorded(
                    ts=ts, source="store", kind="store.leader_changed", actor="controller",
                    component=now, components=[self.last, now],
                    summary=f"store leader {self.last} -> {now}",
                    details={"from": self.last, "to": now},
                    key=f"store.leader_changed:{ts!r}")]
            self.last = now
        return [e for e in self.changes if e.ts >= since]
