"""The loadgen's Prometheus metrics. Only one process exports them (the Locust master, or the
single process); workers ship their observations to it, see `outbox`."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from services.loadgen.consistency.checker import KINDS
from services.loadgen.mix import OPS
from services.loadgen.outcome import OUTCOMES

DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class LoadMetrics:
    def __init__(
        self,
        registry: CollectorRegistry,
        target_rate: Callable[[], float],
        users: Callable[[], float],
    ) -> None:
        self.registry = registry
        self._requests = Counter(
            "loadgen_requests_total",
            "Requests sent by the load generator, by operation and outcome.",
            ["op", "outcome"],
            registry=registry,
        )
        self._duration = Histogram(
            "loadgen_request_duration_seconds",
            "Client-side request latency, including timeouts and failures.",
            ["op"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self._violations = Counter(
            "loadgen_consistency_violations_total",
            "Consistency violations found by the checker, by kind.",
            ["kind"],
            registry=registry,
        )
        Gauge(
            "loadgen_target_rate",
            "Requests per second the load generator is set to send.",
            registry=registry,
        ).set_function(target_rate)
        Gauge("loadgen_users", "Locust users currently running.", registry=registry).set_function(
            users
        )
        # Create every series up front so rate() and absent-vs-zero work from the first scrape.
        for op in OPS:
            self._duration.labels(op)
            for outcome in OUTCOMES:
                self._requests.labels(op, outcome)
        for kind in KINDS:
            self._violations.labels(kind)
        self._violations_exported: dict[str, float] = dict.fromkeys(KINDS, 0)

    def observe(self, op: str, outcome: str, seconds: float) -> None:
        self._requests.labels(op, outcome).inc()
        self._duration.labels(op).observe(seconds)

    def sync_violations(self, totals: Mapping[str, float]) -> None:
        """Bring the violation counters up to the checker's running totals."""
        for kind, total in totals.items():
            delta = total - self._violations_exported.get(kind, 0)
            if delta > 0:
                self._violations.labels(kind).inc(delta)
                self._violations_exported[kind] = total
