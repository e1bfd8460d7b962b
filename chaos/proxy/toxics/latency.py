"""latency: delay every chunk by `ms` +- `jitter_ms` (uniform), keeping byte order.

Each chunk gets a delivery time when it arrives and waits in a per-direction queue, so a
stream of chunks is delayed as a whole (pipelined) instead of each chunk waiting for the
previous one's delay to finish, which would collapse throughput to one chunk per delay.
"""

from __future__ import annotations

import random

from chaos.netfaults.schemas import LatencyParams
from chaos.proxy.toxics.base import Stage, TimedStage, Toxic, register

# Timers may fire a hair early (libuv rounds to milliseconds); treat that as on time rather
# than spinning until the exact instant.
_EARLY_OK_S = 0.0002


class LatencyStage(TimedStage):
    def __init__(self, conn, pipe, params: LatencyParams) -> None:
        super().__init__(conn, pipe)
        self.delay_s = params.ms / 1000
        self.jitter_s = params.jitter_ms / 1000
        self.last_due = 0.0

    def push(self, chunk: bytes) -> None:
        delay = max(0.0, self.delay_s + random.uniform(-self.jitter_s, self.jitter_s))
        # Never deliver before an earlier chunk: jitter must not reorder a byte stream.
        due = max(self.loop.time() + delay, self.last_due)
        self.last_due = due
        self.queue.append((due, chunk))
        self.buffered += len(chunk)
        if self.timer is None:
            self.timer = self.loop.call_at(due, self._release_due)

    def _release_due(self) -> None:
        self.timer = None
        now = self.loop.time() + _EARLY_OK_S
        while self.queue and self.queue[0][0] <= now:
            _, chunk = self.queue.popleft()
            self.buffered -= len(chunk)
            self.out(chunk)
        if self.queue and self.timer is None:
            self.timer = self.loop.call_at(self.queue[0][0], self._release_due)
        self.pipe.released()

    def held(self) -> list[bytes]:
        return [chunk for _, chunk in self.queue]


@register
class Latency(Toxic):
    kind = "latency"

    def new_stage(self, conn, pipe) -> Stage:
        return LatencyStage(conn, pipe, self.params)
