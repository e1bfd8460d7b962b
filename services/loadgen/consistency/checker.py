"""Find lost writes, stale reads and revision regressions in a client-side history.

Rules (each read is classified at most once, in this order):

* lost_write - a sweep read (the final re-read of every key) sees a value older than
  acknowledged writes that completed before it started: each such write is counted as lost.
* stale_read - a read sees a value older than a write acknowledged before the read started.
  Reads are linearizable, so the write must be visible.
* revision_regression - a read sees an older revision than another read of that key that
  completed before this one started (e.g. a value from an indeterminate write was seen and
  then vanished), so the store went backwards.

"Older" compares etcd revisions. The revision of what a read saw is the revision of the
acknowledged write that put that (unique) value, when known, else the mod_revision the API
reported. Indeterminate writes never cause a finding themselves: they are never expected to
be visible, but seeing them is fine.

Events may arrive out of order (workers report in batches). Writes take effect as soon as they
are added; reads wait in a queue until `advance(watermark)` says every event that ended before
the watermark has arrived, then are checked in start order.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from services.loadgen.consistency.frontier import Frontier
from services.loadgen.consistency.history import Event, Read, Write

LOST_WRITE = "lost_write"
STALE_READ = "stale_read"
REVISION_REGRESSION = "revision_regression"
KINDS = (LOST_WRITE, STALE_READ, REVISION_REGRESSION)


@dataclass(frozen=True)
class Violation:
    kind: str
    key: str
    read_start: float
    read_end: float
    seen_value: str | None
    seen_revision: int
    expected_revision: int
    count: int = 1  # a sweep read can reveal several lost writes at once


@dataclass
class _KeyState:
    acked: Frontier = field(default_factory=Frontier)  # ack time -> revision
    observed: Frontier = field(default_factory=Frontier)  # read end -> revision seen
    acked_writes: list[tuple[float, int]] = field(default_factory=list)  # (ack time, revision)


class ConsistencyChecker:
    def __init__(self, max_examples: int = 20) -> None:
        self._keys: dict[str, _KeyState] = {}
        self._revision_of_value: dict[str, int] = {}
        self._pending: list[tuple[float, int, Read]] = []  # heap ordered by read start
        self._tiebreak = itertools.count()
        self._max_examples = max_examples
        self.acknowledged_writes = 0
        self.indeterminate_writes = 0
        self.reads_checked = 0
        self.violations: Counter[str] = Counter({kind: 0 for kind in KINDS})
        self.examples: list[Violation] = []

    def add(self, event: Event) -> None:
        if isinstance(event, Write):
            self._add_write(event)
        else:
            heapq.heappush(self._pending, (event.start, next(self._tiebreak), event))

    def advance(self, watermark: float) -> None:
        """Check every queued read that started at or before `watermark`."""
        while self._pending and self._pending[0][0] <= watermark:
            _, _, read = heapq.heappop(self._pending)
            self._check(read)

    @property
    def pending_reads(self) -> int:
        return len(self._pending)

    def acknowledged_keys(self) -> list[str]:
        return sorted(k for k, state in self._keys.items() if state.acked_writes)

    def summary(self) -> dict[str, Any]:
        return {
            "acknowledged_writes": self.acknowledged_writes,
            "indeterminate_writes": self.indeterminate_writes,
            "reads_checked": self.reads_checked,
            "pending_reads": self.pending_reads,
            "violations": dict(self.violations),
            "examples": [asdict(v) for v in self.examples],
        }

    def _add_write(self, write: Write) -> None:
        if not write.acknowledged:
            self.indeterminate_writes += 1
            return
        assert write.revision is not None
        self.acknowledged_writes += 1
        self._revision_of_value[write.value] = write.revision
        state = self._state(write.key)
        state.acked.add(write.end, write.revision)
        state.acked_writes.append((write.end, write.revision))

    def _check(self, read: Read) -> None:
        self.reads_checked += 1
        state = self._state(read.key)
        seen = self._seen_revision(read)
        if read.sweep:
            lost = [
                revision
                for acked_at, revision in state.acked_writes
                if acked_at < read.start and revision > seen
            ]
            if lost:
                self._flag(LOST_WRITE, read, seen, max(lost), count=len(lost))
        else:
            must_see = state.acked.max_before(read.start)
            already_seen = state.observed.max_before(read.start)
            if seen < must_see:
                self._flag(STALE_READ, read, seen, must_see)
            elif seen < already_seen:
                self._flag(REVISION_REGRESSION, read, seen, already_seen)
        state.observed.add(read.end, seen)

    def _seen_revision(self, read: Read) -> int:
        if read.value is None:
            return 0  # checker keys are never deleted, so "absent" is older than any write
        return self._revision_of_value.get(read.value, read.revision)

    def _flag(self, kind: str, read: Read, seen: int, expected: int, count: int = 1) -> None:
        self.violations[kind] += count
        if len(self.examples) < self._max_examples:
            self.examples.append(
                Violation(kind, read.key, read.start, read.end, read.value, seen, expected, count)
            )

    def _state(self, key: str) -> _KeyState:
        return self._keys.setdefault(key, _KeyState())


def check(history: Iterable[Event], max_examples: int = 20) -> ConsistencyChecker:
    """Check a complete history at once."""
    checker = ConsistencyChecker(max_examples=max_examples)
    for event in history:
        checker.add(event)
    checker.advance(float("inf"))
    return checker
