"""The two halves of a proxied connection: a `Side` (a transport and why its reading is paused)
and a `Pipe` per direction, which carries chunks from one side to the other through the stages
of the faults active on its link."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import TYPE_CHECKING

from chaos.proxy.toxics import Stage

if TYPE_CHECKING:
    from chaos.proxy.connection import Connection
    from chaos.proxy.faults import Fault

# Bytes held inside fault stages (delayed, throttled) before we stop reading the sender.
_STAGES_HIGH = 1024 * 1024
_STAGES_LOW = 256 * 1024
_LINGER_RST = struct.pack("ii", 1, 0)


def abort_with_rst(transport: asyncio.Transport) -> None:
    """Close so the peer sees a reset (RST), like a dead network path, not a clean FIN."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # already dead: abort() is all we need
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
    transport.abort()


class Side:
    """A transport plus the set of reasons its reading is currently paused."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.holds: set[str] = set()

    def hold(self, reason: str) -> None:
        if not self.holds:
            self.transport.pause_reading()
        self.holds.add(reason)

    def unhold(self, reason: str) -> None:
        if reason in self.holds:
            self.holds.discard(reason)
            if not self.holds and not self.transport.is_closing():
                self.transport.resume_reading()


class Pipe:
    """One direction of a connection: bytes read from `src` pass fault stages, then `dst`."""

    def __init__(self, conn: Connection, direction: str) -> None:
        self.conn = conn
        self.direction = direction
        self.src: Side | None = None
        self.dst: asyncio.Transport | None = None
        self.dst_gone = False
        self.early: list[bytes] = []  # delivered before the upstream dial finished
        self.stages: list[tuple[Fault, Stage]] = []
        self.head = None  # first stage's push, or None: the fast path
        self.ending: str | None = None  # "eof" or "close" once the source is done
        self.ended = False

    def push(self, data: bytes) -> None:
        if self.head is None:
            self.deliver(data)
            return
        self.head(data)
        if self.src is not None and self.buffered() > _STAGES_HIGH:
            self.src.hold("stages")

    def deliver(self, data: bytes) -> None:
        if self.dst is not None:
            self.dst.write(data)
            self.conn.link.bytes[self.direction] += len(data)
        elif not self.dst_gone:
            self.early.append(data)

    def connect(self, dst: asyncio.Transport) -> None:
        self.dst = dst
        early, self.early = self.early, []
        for data in early:
            self.deliver(data)
        self.try_end()  # the source may have finished while we were dialling

    def buffered(self) -> int:
        return sum(stage.buffered for _, stage in self.stages)

    def released(self) -> None:
        """A stage handed held bytes on: maybe resume the sender, maybe finish the stream."""
        if self.src is not None and self.buffered() < _STAGES_LOW:
            self.src.unhold("stages")
        self.try_end()

    def finish(self, how: str) -> None:
        if self.ending != "close":
            self.ending = how
        self.try_end()

    def try_end(self) -> None:
        if self.ended or self.ending is None:
            return
        if self.dst_gone:
            self.ended = True
        elif self.dst is None or self.buffered() or any(s.holds_end for _, s in self.stages):
            return
        elif self.ending == "eof" and self.dst.can_write_eof():
            self.dst.write_eof()
            self.ended = True
        else:
            self.dst.close()  # graceful: flushes what is already written
            self.ended = True
        self.conn.maybe_close()

    def sync_stages(self, faults: list[Fault]) -> None:
        """Make the stage chain match `faults`, keeping stages of faults that stay."""
        name = self.conn.link.name
        wanted = [f for f in faults if self.direction in f.directions_for(name)]
        current = dict(self.stages)
        kept: list[tuple[Fault, Stage]] = []
        for fault in sorted(wanted, key=lambda f: f.seq):
            stage = current.pop(fault, None) or fault.toxic.new_stage(self.conn, self)
            if stage is not None:
                kept.append((fault, stage))
        removed = [(f, s) for f, s in self.stages if f in current]
        self._rewire(kept)
        # Chunks held by a removed stage are older than anything before it in the chain and
        # newer than anything after it: hand them to their new successor, tail first.
        for fault, stage in reversed(removed):
            successor = self._successor_of(fault.seq)
            for chunk in stage.remove():
                successor(chunk)
        self.released()

    def drop_stages(self) -> None:
        """The connection is going away: discard stages and whatever they hold."""
        for _, stage in self.stages:
            stage.discard()
        self._rewire([])
        self.early.clear()

    def _rewire(self, stages: list[tuple[Fault, Stage]]) -> None:
        self.stages = stages
        out = self.deliver
        for _, stage in reversed(stages):
            stage.out = out
            out = stage.push
        self.head = None if not stages else out

    def _successor_of(self, seq: int):
        for fault, stage in self.stages:
            if fault.seq > seq:
                return stage.push
        return self.deliver
