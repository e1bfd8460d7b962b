"""Time to mitigate: when the steady state started holding for good (pure logic).

The watch arms at the first breach: before the incident shows on the dashboards the steady
state still holds, and those first seconds must not count as a mitigation. An incident that
never breaks the steady state within ARM_AFTER_SECONDS arms it anyway (the system absorbed
the fault; nothing was left to mitigate).
"""

from __future__ import annotations

HOLD_SECONDS = 30.0
ARM_AFTER_SECONDS = 90.0


class SteadyWatch:
    def __init__(self, hold_seconds: float = HOLD_SECONDS,
                 arm_after: float = ARM_AFTER_SECONDS) -> None:
        self.hold_seconds = hold_seconds
        self.arm_after = arm_after
        self.first_breach: float | None = None
        self.holding_since: float | None = None
        self.mitigated_at: float | None = None

    @property
    def armed(self) -> bool:
        return self.first_breach is not None

    def observe(self, t: float, holds: bool) -> bool:
        """Feed one check at `t` seconds; True once, when the hold is confirmed."""
        if self.mitigated_at is not None:
            return False
        if not holds:
            if self.first_breach is None:
                self.first_breach = t
            self.holding_since = None
            return False
        if not self.armed and t < self.arm_after:
            return False
        if self.holding_since is None:
            self.holding_since = t
        if t - self.holding_since >= self.hold_seconds:
            self.mitigated_at = self.holding_since
            return True
        return False
