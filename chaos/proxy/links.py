"""Logical links: the names faults target, with their counters and open connections.

For `tcp` listeners the logical link is the configured one. An `etcd-peer` listener fans out
into one logical link per sender (`store-1->store-2`), created when first seen.

Counters are plain ints bumped on the hot path; Prometheus reads them at scrape time (see
`metrics.py`), which costs nothing per chunk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chaos.proxy.config import LinkSpec

if TYPE_CHECKING:
    from chaos.proxy.connection import Connection

UPSTREAM = "upstream"  # client -> server, the request direction
DOWNSTREAM = "downstream"  # server -> client
DIRECTIONS = (UPSTREAM, DOWNSTREAM)


class Link:
    def __init__(self, name: str, spec: LinkSpec) -> None:
        self.name = name
        self.spec = spec  # the listener this logical link arrives through
        self.bytes = {UPSTREAM: 0, DOWNSTREAM: 0}  # bytes delivered, per direction
        self.connections_total = 0
        self.connections: set[Connection] = set()

    def snapshot(self, fault_ids: list[str]) -> dict:
        return {
            "name": self.name,
            "kind": self.spec.kind,
            "via": self.spec.name,
            "listen": self.spec.listen,
            "upstream": self.spec.upstream,
            "active_connections": len(self.connections),
            "connections_total": self.connections_total,
            "bytes_up": self.bytes[UPSTREAM],
            "bytes_down": self.bytes[DOWNSTREAM],
            "faults": fault_ids,
        }


class LinkTable:
    def __init__(self) -> None:
        self.links: dict[str, Link] = {}

    def get_or_create(self, name: str, spec: LinkSpec) -> tuple[Link, bool]:
        link = self.links.get(name)
        if link is not None:
            return link, False
        link = self.links[name] = Link(name, spec)
        return link, True

    def __iter__(self):
        return iter(list(self.links.values()))
