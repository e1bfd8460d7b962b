"""One proxied TCP connection: client side, upstream side, and a `Pipe` per direction.

Built on asyncio Protocols rather than streams: with no fault active, a chunk goes from
`data_received` straight to the other transport's `write` (the fast path), with no task
switch, no queue and no copy. Backpressure is the transports' own: when one side's write
buffer fills, reading from the other side pauses.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from chaos.proxy.config import LinkSpec, split_hostport
from chaos.proxy.etcd_peer import MAX_HEAD, peer_link_name, split_head
from chaos.proxy.links import DOWNSTREAM, UPSTREAM, Link
from chaos.proxy.pipe import Pipe, Side, abort_with_rst

if TYPE_CHECKING:
    from chaos.proxy.server import Proxy

# How long an etcd peer connection may take to send a full request head.
PEEK_TIMEOUT_S = 1.0


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
