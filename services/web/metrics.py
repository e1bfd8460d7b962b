"""Every metric the web service exports, created on one injectable registry.

No ``instance`` label anywhere: Prometheus attaches ``instance="web-N"`` as a target label.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class WebMetrics:
    def __init__(self, registry: CollectorRegistry, *, release: str) -> None:
        self.registry = registry
        self.http_requests = Counter(
            "http_requests",
            "HTTP requests answered, by route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.http_request_duration = Histogram(
            "http_request_duration_seconds",
            "Time from request start to the last response byte",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.http_requests_in_flight = Gauge(
            "http_requests_in_flight", "HTTP requests being served right now", registry=registry
        )
        self.store_requests = Counter(
            "store_requests",
            "HTTP calls to the etcd gateway (attempts, so retries and failovers count)",
            ["op", "outcome"],
            registry=registry,
        )
        self.store_request_duration = Histogram(
            "store_request_duration_seconds",
            "Duration of one HTTP call to the etcd gateway",
            ["op"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.event_loop_lag = Gauge(
            "event_loop_lag_seconds",
            "How late the event loop woke up a 100 ms sleep (the last sample)",
            registry=registry,
        )
        self.build_info = Gauge(
            "web_build_info",
            "Always 1; the release label names the running release",
            ["release"],
            registry=registry,
        )
        self.build_info.labels(release=release).set(1)
        self.faults_active = Gauge(
            "web_app_faults_active",
            "Application faults currently injected in this instance",
            ["type"],
            registry=registry,
        )
        ProcessCollector(registry=registry)

    def observe_store_call(self, op: str, outcome: str, seconds: float) -> None:
        self.store_requests.labels(op=op, outcome=outcome).inc()
        self.store_request_duration.labels(op=op).observe(seconds)
