"""Prometheus view of the proxy, computed at scrape time from the plain counters."""

from __future__ import annotations

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from chaos.proxy.links import DIRECTIONS
from chaos.proxy.server import Proxy
from chaos.proxy.toxics import TOXICS


class ProxyCollector(Collector):
    def __init__(self, proxy: Proxy) -> None:
        self.proxy = proxy

    def collect(self):
        link_bytes = CounterMetricFamily(
            "proxy_link_bytes", "Bytes delivered over a logical link.", labels=["link", "direction"]
        )
        connections = CounterMetricFamily(
            "proxy_link_connections", "Connections accepted on a logical link.", labels=["link"]
        )
        active = GaugeMetricFamily(
            "proxy_link_active_connections", "Open connections on a logical link.", labels=["link"]
        )
        link_faults = GaugeMetricFamily(
            "proxy_link_faults_active",
            "Active faults applying to a logical link, by fault kind.",
            labels=["link", "kind"],
        )
        for link in self.proxy.links:
            for direction in DIRECTIONS:
                link_bytes.add_metric([link.name, direction], link.bytes[direction])
            connections.add_metric([link.name], link.connections_total)
            active.add_metric([link.name], len(link.connections))
            if self.proxy.quiet:
                continue
            faults = self.proxy.faults.for_link(link.name)
            for kind in sorted(TOXICS):
                link_faults.add_metric([link.name, kind], sum(f.kind == kind for f in faults))
        yield from (link_bytes, connections, active)
        if not self.proxy.quiet:
            total = GaugeMetricFamily("proxy_faults_active", "Faults currently active.")
            total.add_metric([], len(self.proxy.faults))
            yield from (link_faults, total)
