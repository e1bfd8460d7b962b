"""Background task measuring event-loop lag: how late a 100 ms sleep wakes up.

A blocked loop (CPU-bound code, a GIL-hogging thread, a synchronous call) delays every
request on the instance; this makes that visible as ``event_loop_lag_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib

from prometheus_client import Gauge


class LoopLagMonitor:
    def __init__(self, gauge: Gauge, interval: float = 0.1) -> None:
        self._gauge = gauge
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._measure(), name="loop-lag")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _measure(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(self._interval)
            self._gauge.set(max(0.0, loop.time() - started - self._interval))
