"""One proxied TCP connection: client side, upstream side, and a `Pipe` per direction.

Built on asyncio Protocols rather than streams: with no fault active, a chunk goes from
`data_received` straight to the other transport's `write` (the fast path), with no task
switch, no queue and no copy. Backpressure is the transports' own: when one side's write
buffer fills, reading from the other side pauses.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import TYPE_CHECKING

from chaos.proxy.config import LinkSpec, split_hostport
from chaos.proxy.etcd_peer import MAX_HEAD, peer_link_name, split_head
from chaos.proxy.links import DOWNSTREAM, UPSTREAM, Link
from chaos.proxy.toxics import Stage

if TYPE_CHECKING:
    from chaos.proxy.faults import Fault
    from chaos.proxy.server import Proxy

# Bytes held inside fault stages (delayed, throttled) before we stop reading the sender.
_STAGES_HIGH = 1024 * 1024
_STAGES_LOW = 256 * 1024
# How long an etcd peer connection may take to send a full request head.
PEEK_TIMEOUT_S = 1.0
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


class Connection:
    def __init__(self, proxy: Proxy, spec: LinkSpec, client: asyncio.Transport) -> None:
        self.proxy = proxy
        self.spec = spec
        self.link: Link | None = None
        self.client = Side(client)
        self.server: Side | None = None
        self.up = Pipe(self, UPSTREAM)
        self.down = Pipe(self, DOWNSTREAM)
        self.up.src = self.client
        self.down.dst = client
        self.closed = False
        self.client_lost = False
        self.server_lost = False
        self.connecting: asyncio.Task | None = None
        # etcd-peer: bytes held while we read a request head to learn the sender.
        self.sniffing = spec.kind == "etcd-peer"
        self.sniffed = bytearray()
        self.sniff_timer: asyncio.TimerHandle | None = None
        self.sender_id: str | None = None  # etcd member id (hex) from X-Server-From
        proxy.connections.add(self)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self.sniffing:
            self.sniff_timer = self.proxy.loop.call_later(PEEK_TIMEOUT_S, self._sniff_timeout)
        else:
            self._open(self.spec.name)

    def _open(self, link_name: str) -> None:
        """The connection now belongs to `link_name`: apply its faults, dial upstream."""
        self._join(link_name)
        if self.closed:
            return
        self.client.hold("connecting")
        self.connecting = self.proxy.loop.create_task(self._connect_upstream())

    async def _connect_upstream(self) -> None:
        host, port = split_hostport(self.spec.upstream)
        try:
            transport, _ = await self.proxy.loop.create_connection(
                lambda: ServerProtocol(self), host, port
            )
        except OSError:
            self.reset()  # the client sees a reset, as if the port were closed
            return
        finally:
            self.connecting = None
        if self.closed:
            transport.abort()
            return
        self.server = Side(transport)
        self.down.src = self.server
        self.up.connect(transport)
        self.client.unhold("connecting")

    def _join(self, link_name: str) -> None:
        """Move onto a logical link: count it, build fault stages, run connection hooks."""
        if self.link is not None:
            self.proxy.detach(self)
        self.link = self.proxy.attach(self, link_name)
        faults = self.proxy.faults.for_link(link_name)
        self.up.sync_stages(faults)
        self.down.sync_stages(faults)
        for fault in faults:
            fault.toxic.on_new_connection(self, fault.directions_for(link_name))
            if self.closed:
                return

    def relabel(self, link_name: str) -> None:
        """The sender got a (new) name: move to that logical link and its faults."""
        if not self.closed:
            self._join(link_name)

    def refresh_faults(self) -> None:
        """Faults changed: bring this connection's stages in line (existing data included)."""
        if self.closed or self.link is None:
            return
        faults = self.proxy.faults.for_link(self.link.name)
        self.up.sync_stages(faults)
        self.down.sync_stages(faults)

    def reset(self) -> None:
        """Kill both sides with RST. Idempotent."""
        if self.closed:
            return
        self.closed = True
        if self.connecting is not None:
            self.connecting.cancel()
        if self.sniff_timer is not None:
            self.sniff_timer.cancel()
        self.sniffing = False
        for pipe in (self.up, self.down):
            pipe.drop_stages()
            pipe.dst_gone = True
        abort_with_rst(self.client.transport)
        if self.server is not None:
            abort_with_rst(self.server.transport)
        self.proxy.detach(self)

    def maybe_close(self) -> None:
        """Both directions delivered their end of stream: release both sockets."""
        if self.up.ended and self.down.ended:
            self.client.transport.close()
            if self.server is not None:
                self.server.transport.close()

    def _side_lost(self) -> None:
        if self.client_lost and (self.server_lost or self.server is None):
            self.closed = True
            if self.sniff_timer is not None:
                self.sniff_timer.cancel()
            for pipe in (self.up, self.down):
                pipe.drop_stages()
            self.proxy.detach(self)

    # -- events from the two protocols -----------------------------------------------------

    def from_client(self, data: bytes) -> None:
        if self.sniffing:
            self._sniff(data)
        else:
            self.up.push(data)

    def client_eof(self) -> None:
        if self.sniffing:
            self._stop_sniffing()
        self.up.finish("eof")

    def client_gone(self) -> None:
        self.client_lost = True
        if self.link is None:  # left before saying who it was: nothing was dialled
            self.sniffing = False
            self.reset()
            return
        if self.connecting is not None:
            self.connecting.cancel()
        self.down.dst_gone = True
        self.down.drop_stages()
        if self.sniffing:
            self._stop_sniffing()
        self.up.finish("close")
        self._side_lost()

    def server_gone(self) -> None:
        self.server_lost = True
        self.up.dst_gone = True
        self.up.drop_stages()
        self.down.finish("close")
        self._side_lost()

    # -- etcd-peer sender detection --------------------------------------------------------

    def _sniff(self, data: bytes) -> None:
        self.sniffed += data
        while self.sniffing and not self.closed:
            found = split_head(self.sniffed)
            if found is None:
                if len(self.sniffed) >= MAX_HEAD:
                    self._stop_sniffing()
                break
            head, end = found
            self.sender_id = head.sender_id or self.sender_id
            name = peer_link_name(self.sender_id, self.proxy.peer_ids, self.spec.dst)
            if self.link is None:
                self._open(name)
            elif name != self.link.name:
                self._join(name)
            if self.closed:
                return
            request, self.sniffed = bytes(self.sniffed[:end]), self.sniffed[end:]
            self.up.push(request)
            if head.sender_id or head.has_body:
                # Sender known, or a body we would have to parse: stop looking at heads.
                self._stop_sniffing()
                return
            if self.sniff_timer is not None:
                self.sniff_timer.cancel()  # between requests we hold nothing, so no deadline
                self.sniff_timer = None
        if self.sniffing and self.sniffed and self.sniff_timer is None:
            # Holding part of a later head: don't hold it forever.
            self.sniff_timer = self.proxy.loop.call_later(PEEK_TIMEOUT_S, self._sniff_timeout)

    def _stop_sniffing(self) -> None:
        self.sniffing = False
        if self.sniff_timer is not None:
            self.sniff_timer.cancel()
            self.sniff_timer = None
        held, self.sniffed = bytes(self.sniffed), bytearray()
        if self.link is None:
            self._open(peer_link_name(None, self.proxy.peer_ids, self.spec.dst))
        if held and not self.closed:
            self.up.push(held)

    def _sniff_timeout(self) -> None:
        self.sniff_timer = None
        if self.sniffing and not self.closed:
            self._stop_sniffing()


class ClientProtocol(asyncio.Protocol):
    """The accepted side. Created per connection by a listener."""

    def __init__(self, proxy: Proxy, spec: LinkSpec) -> None:
        self.proxy = proxy
        self.spec = spec
        self.conn: Connection | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.conn = Connection(self.proxy, self.spec, transport)
        self.conn.start()

    def data_received(self, data: bytes) -> None:
        self.conn.from_client(data)

    def eof_received(self) -> bool:
        self.conn.client_eof()
        return True  # keep our write side open: half-closed TCP is legal

    def connection_lost(self, exc: Exception | None) -> None:
        self.conn.client_gone()

    def pause_writing(self) -> None:
        if self.conn.server is not None:
            self.conn.server.hold("peer-full")

    def resume_writing(self) -> None:
        if self.conn.server is not None:
            self.conn.server.unhold("peer-full")


class ServerProtocol(asyncio.Protocol):
    """The side we dialled upstream."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def data_received(self, data: bytes) -> None:
        self.conn.down.push(data)

    def eof_received(self) -> bool:
        self.conn.down.finish("eof")
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        if self.conn.server is not None:
            self.conn.server_gone()

    def pause_writing(self) -> None:
        self.conn.client.hold("peer-full")

    def resume_writing(self) -> None:
        self.conn.client.unhold("peer-full")
