"""Time as the runner sees it, injectable so the timeline logic is testable without waiting."""

from __future__ import annotations

import asyncio
import contextlib
import time


class Clock:
    """Schedules from a monotonic clock (immune to wall-clock jumps); stamps with wall time,
    which is what Prometheus and the fault records use."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    async def wait(self, seconds: float, stop: asyncio.Event) -> None:
        """Sleep up to `seconds`, waking early when `stop` is set."""
        if seconds <= 0 or stop.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)
