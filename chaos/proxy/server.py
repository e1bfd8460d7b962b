"""The proxy: listeners for every configured link, the link table and the fault table."""

from __future__ import annotations

import asyncio
import logging

from chaos.proxy.config import LinkSpec, ProxyConfig, split_hostport
from chaos.proxy.connection import ClientProtocol, Connection
from chaos.proxy.etcd_peer import normalize_member_id, peer_link_name
from chaos.proxy.faults import Fault, FaultTable
from chaos.proxy.links import Link, LinkTable

log = logging.getLogger("chaos.proxy")


class Proxy:
    def __init__(self, config: ProxyConfig) -> None:
        self.specs = config.links
        self.peer_ids: dict[str, str] = {}
        self.links = LinkTable()
        self.faults = FaultTable()
        # While a drill hides its faults, the metrics must not say which links are faulted.
        self.quiet = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self._servers: list[asyncio.Server] = []
        # Every open connection, including etcd-peer ones not yet on a logical link.
        self.connections: set[Connection] = set()
        self.set_peers(config.peer_ids)

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        for spec in self.specs:
            if spec.kind == "tcp":
                self.links.get_or_create(spec.name, spec)  # listed before any traffic
            host, port = split_hostport(spec.listen)
            server = await self.loop.create_server(
                lambda spec=spec: ClientProtocol(self, spec), host, port, backlog=1024
            )
            self._servers.append(server)
            log.info("link %s: %s -> %s (%s)", spec.name, spec.listen, spec.upstream, spec.kind)

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
        for conn in list(self.connections):
            conn.reset()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()

    # -- called by connections -------------------------------------------------------------

    def attach(self, conn: Connection, link_name: str) -> Link:
        link, created = self.links.get_or_create(link_name, conn.spec)
        if created:
            log.info("new logical link %s via %s", link_name, conn.spec.name)
        link.connections.add(conn)
        link.connections_total += 1
        return link

    def detach(self, conn: Connection) -> None:
        if conn.link is not None:
            conn.link.connections.discard(conn)
        if conn.closed:
            self.connections.discard(conn)

    # -- admin operations ------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> None:
        replaced = self.faults.add(fault)
        for link in self.links:
            hit = fault.matches(link.name)
            if not hit and not (replaced and replaced.matches(link.name)):
                continue
            for conn in list(link.connections):
                if hit:
                    fault.toxic.on_existing_connection(conn, fault.directions_for(link.name))
                conn.refresh_faults()

    def remove_fault(self, fault_id: str) -> Fault | None:
        fault = self.faults.remove(fault_id)
        if fault is not None:
            self._refresh(lambda name: fault.matches(name))
        return fault

    def clear_faults(self) -> int:
        count = len(self.faults)
        for fault in self.faults:
            self.faults.remove(fault.id)
        self._refresh(lambda name: True)
        return count

    def set_peers(self, peer_ids: dict[str, str]) -> None:
        """Replace the member-id map and re-label open peer connections it now names.

        Raft streams are long-lived: they are usually dialled before the controller learns
        the member ids, so without re-labelling they would stay `unknown->store-N` forever
        and escape faults aimed at `store-1->store-N`.
        """
        self.peer_ids = {normalize_member_id(k): v for k, v in peer_ids.items()}
        for link in self.links:
            for conn in list(link.connections):
                if conn.sender_id is None or conn.closed:
                    continue
                name = peer_link_name(conn.sender_id, self.peer_ids, conn.spec.dst)
                if name != link.name:
                    conn.relabel(name)

    def _refresh(self, affects) -> None:
        for link in self.links:
            if affects(link.name):
                for conn in list(link.connections):
                    conn.refresh_faults()

    # -- views -----------------------------------------------------------------------------

    def link_snapshots(self) -> list[dict]:
        """Every logical link, plus each etcd-peer listener summed over its logical links."""
        logical = [
            link.snapshot([f.id for f in self.faults.for_link(link.name)]) for link in self.links
        ]
        listeners = [self._listener_snapshot(spec, logical) for spec in self.specs]
        return [s for s in listeners if s is not None] + logical

    @staticmethod
    def _listener_snapshot(spec: LinkSpec, logical: list[dict]) -> dict | None:
        if spec.kind != "etcd-peer":
            return None  # a tcp listener is its own logical link
        mine = [s for s in logical if s["via"] == spec.name]
        return {
            "name": spec.name,
            "kind": spec.kind,
            "via": None,
            "dst": spec.dst,
            "listen": spec.listen,
            "upstream": spec.upstream,
            "logical_links": [s["name"] for s in mine],
            "active_connections": sum(s["active_connections"] for s in mine),
            "connections_total": sum(s["connections_total"] for s in mine),
            "bytes_up": sum(s["bytes_up"] for s in mine),
            "bytes_down": sum(s["bytes_down"] for s in mine),
            "faults": [],
        }
