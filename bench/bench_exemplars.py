"""Cost of exemplars on web's metrics path (reports numbers; not a test).

Two costs: one latency observation with and without an exemplar (a recorded request pays the
exemplar: a dict, a label check, a clock read), and one scrape of web's whole registry as
Prometheus text and as OpenMetrics (what Prometheus now asks for), time and bytes. The registry
is web's own (services/web/metrics.py), filled like a busy instance's: every route and status.
CPU time of this process, not wall time, so other work on a shared machine shows less.

    python bench/bench_exemplars.py [--observations 200000] [--scrapes 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from prometheus_client import CollectorRegistry  # noqa: E402
from prometheus_client.exposition import generate_latest  # noqa: E402
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics  # noqa: E402

from services.web.metrics import LATENCY_BUCKETS, WebMetrics  # noqa: E402

ROUTES = ("/kv/{key}", "/kv", "/healthz", "/readyz", "/metrics", "other")
TRACE = {"trace_id": "0af7651916cd43dd8448eb211c80319c"}


def per_observation(observations: int, exemplar: dict | None) -> float:
    """CPU nanoseconds per observe() on one labelled child, median of 5 runs."""
    child = WebMetrics(CollectorRegistry(), release="bench").http_request_duration.labels(
        method="GET", route="/kv/{key}")
    runs = []
    for _ in range(5):
        started = time.process_time_ns()
        for index in range(observations):
            child.observe(LATENCY_BUCKETS[index % 8] * 0.9, exemplar)
        runs.append((time.process_time_ns() - started) / observations)
    return statistics.median(runs)


def busy_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    metrics = WebMetrics(registry, release="bench")
    for method in ("GET", "PUT", "DELETE"):
        for route in ROUTES:
            for status in ("200", "404", "503"):
                metrics.http_requests.labels(method=method, route=route, status=status).inc()
            child = metrics.http_request_duration.labels(method=method, route=route)
            for bucket in LATENCY_BUCKETS:  # an exemplar on every bucket: the worst case
                child.observe(bucket * 0.9, TRACE)
    for op in ("get", "put", "delete", "list"):
        metrics.observe_store_call(op, "ok", 0.002)
    return registry


def per_scrape(registry: CollectorRegistry, encode, scrapes: int) -> tuple[float, int]:
    """(CPU microseconds per scrape, bytes) of one encoder, median of 5 runs."""
    runs = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(scrapes):
            body = encode(registry)
        runs.append((time.process_time() - started) / scrapes * 1e6)
    return statistics.median(runs), len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=200_000)
    parser.add_argument("--scrapes", type=int, default=300)
    args = parser.parse_args()
    plain = per_observation(args.observations, None)
    with_exemplar = per_observation(args.observations, TRACE)
    print(f"observe() without exemplar  {plain:8.0f} ns")
    print(f"observe() with exemplar     {with_exemplar:8.0f} ns  (+{with_exemplar - plain:.0f} ns)")
    registry = busy_registry()
    for name, encode in (("text", generate_latest), ("OpenMetrics", openmetrics)):
        micros, size = per_scrape(registry, encode, args.scrapes)
        print(f"scrape as {name:<12} {micros:8.0f} us  {size:7d} bytes")


if __name__ == "__main__":
    main()
