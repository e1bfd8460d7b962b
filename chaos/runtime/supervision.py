"""What a supervisor wants of one component and when it restarts it: shared by every runtime,
so a crash, a kill fault or a held-down stop behaves the same on processes and containers.

Times are `time.monotonic()` values passed in by the caller, so tests drive it with a fake
clock.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BACKOFF_SECONDS = 10.0
# A component that ran this long is considered healthy again: its next crash starts afresh.
STABLE_AFTER_SECONDS = 10.0


def next_backoff(previous: float, ran_for: float, base: float) -> float:
    """Seconds to wait before restarting: `base`, doubling while it crash-loops, capped."""
    if ran_for > STABLE_AFTER_SECONDS or previous == 0:
        return base
    return min(previous * 2, MAX_BACKOFF_SECONDS)


@dataclass
class Supervision:
    base_backoff: float = 1.0
    # Should be running (False after `stop_all`, for a standby slot, or a stop that holds).
    wanted: bool = True
    # A fault keeps it down for its duration; its revert releases it.
    held_down: bool = False
    restarts: int = 0
    backoff: float = 0.0
    restart_at: float | None = None
    last_exit: str | None = None

    @property
    def keep_running(self) -> bool:
        return self.wanted and not self.held_down

    @property
    def restart_pending(self) -> bool:
        return self.keep_running and self.restart_at is not None

    def due(self, now: float) -> bool:
        return self.restart_pending and now >= self.restart_at

    def set_enabled(self, enabled: bool) -> None:
        self.wanted = enabled and not self.held_down

    def want_up(self) -> None:
        """An explicit start or restart: it runs, whatever a fault held before."""
        self.wanted, self.held_down = True, False

    def hold(self, hold: bool) -> None:
        """A stop: held down (a fault's) or simply not wanted any more."""
        self.held_down, self.wanted = hold, not hold

    def exited(self, why: str, ran_for: float, now: float) -> None:
        """It died (crash, OOM, kill fault): the next start waits out the backoff."""
        self.backoff = next_backoff(self.backoff, ran_for, self.base_backoff)
        self.last_exit = why
        self.restart_at = now + self.backoff

    def started(self) -> None:
        self.restart_at = None

    def stopped(self) -> None:
        self.restart_at = None
        self.last_exit = "stopped"

    def restarting(self) -> None:
        self.restarts += 1
