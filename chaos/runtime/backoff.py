"""The supervisors' restart backoff, shared by every runtime so they behave alike."""

from __future__ import annotations

MAX_BACKOFF_SECONDS = 10.0
# A component that ran this long is considered healthy again: its next crash starts afresh.
STABLE_AFTER_SECONDS = 10.0


def next_backoff(previous: float, ran_for: float, base: float) -> float:
    """Seconds to wait before restarting: `base`, doubling while it crash-loops, capped."""
    if ran_for > STABLE_AFTER_SECONDS or previous == 0:
        return base
    return min(previous * 2, MAX_BACKOFF_SECONDS)
