"""Metrics with an injected registry, and shipping from workers to the exporting master."""

import pytest
from prometheus_client import CollectorRegistry

from services.loadgen.collector import Collector
from services.loadgen.consistency.checker import ConsistencyChecker
from services.loadgen.consistency.history import Read, Write
from services.loadgen.metrics import LoadMetrics
from services.loadgen.outbox import Outbox
from tests.fakeclock import FakeClock


def make_collector(clock=None):
    registry = CollectorRegistry()
    metrics = LoadMetrics(registry, target_rate=lambda: 50.0, users=lambda: 167)
    return registry, Collector(metrics, ConsistencyChecker(), clock=clock or FakeClock())


def sample(registry, name, **labels):
    return registry.get_sample_value(name, labels)


def test_observations_become_exact_samples():
    registry, collector = make_collector()
    collector.request("get_hot", "ok", 0.004)
    collector.request("get_hot", "ok", 0.2)
    collector.request("put", "timeout", 2.0)
    assert sample(registry, "loadgen_requests_total", op="get_hot", outcome="ok") == 2
    assert sample(registry, "loadgen_requests_total", op="put", outcome="timeout") == 1
    assert sample(registry, "loadgen_requests_total", op="delete", outcome="ok") == 0
    bucket = "loadgen_request_duration_seconds_bucket"
    assert sample(registry, bucket, op="get_hot", le="0.001") == 0
    assert sample(registry, bucket, op="get_hot", le="0.005") == 1
    assert sample(registry, bucket, op="get_hot", le="0.25") == 2
    assert sample(registry, bucket, op="get_hot", le="10.0") == 2
    assert sample(registry, "loadgen_request_duration_seconds_sum", op="get_hot") == pytest.approx(
        0.204
    )
    assert sample(registry, "loadgen_target_rate") == 50
    assert sample(registry, "loadgen_users") == 167


def test_worker_reports_are_counted_once():
    registry, collector = make_collector()
    workers = {"w1": Outbox(clock=FakeClock(100)), "w2": Outbox(clock=FakeClock(100))}
    for _ in range(3):
        workers["w1"].request("get_hot", "ok", 0.01)
    workers["w2"].request("get_hot", "ok", 0.01)
    workers["w2"].request("list", "http_error", 0.5)
    for name, outbox in workers.items():
        collector.merge(name, outbox.drain())
        collector.merge(name, outbox.drain())  # nothing new: must not add anything
    assert sample(registry, "loadgen_requests_total", op="get_hot", outcome="ok") == 4
    assert sample(registry, "loadgen_requests_total", op="list", outcome="http_error") == 1
    assert sample(registry, "loadgen_request_duration_seconds_count", op="get_hot") == 4


def test_violations_are_exported_from_worker_history():
    clock = FakeClock(100)
    registry, collector = make_collector(clock)
    writer, reader = Outbox(clock=FakeClock(10)), Outbox(clock=FakeClock(10))
    writer.history(Write("cc/1", "a", 1, 2, revision=10))
    reader.history(Read("cc/1", 3, 4, None, 0))
    collector.merge("reader", reader.drain())
    collector.merge("writer", writer.drain())
    collector.refresh()
    collector.refresh()  # refreshing again must not count the violation twice
    assert sample(registry, "loadgen_consistency_violations_total", kind="stale_read") == 1
    assert sample(registry, "loadgen_consistency_violations_total", kind="lost_write") == 0


def test_watermark_waits_for_every_live_worker():
    clock = FakeClock(100)
    _, collector = make_collector(clock)
    assert collector.watermark() == 100  # no workers: everything local is already in
    collector.expect("w1")
    collector.merge("w2", {"clock": 99.0, "requests": [], "history": []})
    clock.now = 101
    assert collector.watermark() == 99  # w2 is complete up to 99, w1 up to its connect time
    collector.merge("w1", {"clock": 100.5, "requests": [], "history": []})
    collector.merge("w2", {"clock": 100.8, "requests": [], "history": []})
    assert collector.watermark() == 100.5
    clock.now = 200  # both went silent: they must not hold checking back forever
    assert collector.watermark() == pytest.approx(200)
