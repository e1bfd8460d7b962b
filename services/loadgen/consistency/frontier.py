"""The highest revision known to be in effect before a given time."""

from __future__ import annotations

import bisect


class Frontier:
    """Answers "what is the highest revision among points that happened before time t?".

    Only points that are not dominated (no other point is both earlier and at least as high)
    are kept. Revisions grow with time, so the frontier stays short even over a long run.
    """

    def __init__(self) -> None:
        self._times: list[float] = []
        self._revisions: list[int] = []  # increasing, aligned with _times

    def add(self, time: float, revision: int) -> None:
        i = bisect.bisect_right(self._times, time)
        if i > 0 and self._revisions[i - 1] >= revision:
            return  # an earlier point already guarantees at least this revision
        j = i
        while j < len(self._times) and self._revisions[j] <= revision:
            j += 1  # later points that this one now dominates
        self._times[i:j] = [time]
        self._revisions[i:j] = [revision]

    def max_before(self, time: float) -> int:
        """Highest revision of a point strictly before `time`, or 0 when there is none."""
        i = bisect.bisect_left(self._times, time)
        return self._revisions[i - 1] if i > 0 else 0

    def __len__(self) -> int:
        return len(self._times)
