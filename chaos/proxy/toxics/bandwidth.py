"""bandwidth: cap throughput at `bytes_per_s`, per connection and per direction.

A token bucket expressed as a virtual clock: `free_at` is when the link finishes sending
what it has already sent. Big chunks are cut into ~50 ms slices so the receiver sees a
steady trickle instead of long silences followed by bursts.
"""

from __future__ import annotations

from chaos.netfaults.schemas import BandwidthParams
from chaos.proxy.toxics.base import Stage, TimedStage, Toxic, register

_SLICE_S = 0.05
_MAX_SLICE = 64 * 1024


class BandwidthStage(TimedStage):
    def __init__(self, conn, pipe, params: BandwidthParams) -> None:
        super().__init__(conn, pipe)
        self.rate = params.bytes_per_s
        self.slice = max(1, min(_MAX_SLICE, int(self.rate * _SLICE_S)))
        self.free_at = 0.0

    def push(self, chunk: bytes) -> None:
        self.queue.append(chunk)
        self.buffered += len(chunk)
        if self.timer is None:
            self.timer = self.loop.call_soon(self._send)

    def _send(self) -> None:
        self.timer = None
        now = self.loop.time()
        while self.queue and self.free_at <= now:
            head = self.queue.popleft()
            piece, rest = head[: self.slice], head[self.slice :]
            if rest:
                self.queue.appendleft(rest)
            self.buffered -= len(piece)
            # An idle link does not bank credit beyond one slice (no unbounded bursts).
            self.free_at = max(self.free_at, now) + len(piece) / self.rate
            self.out(piece)
        if self.queue and self.timer is None:
            self.timer = self.loop.call_at(self.free_at, self._send)
        self.pipe.released()


@register
class Bandwidth(Toxic):
    kind = "bandwidth"

    def new_stage(self, conn, pipe) -> Stage:
        return BandwidthStage(conn, pipe, self.params)
