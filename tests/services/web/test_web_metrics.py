"""Metrics on an injected registry: exact samples, route templates, status labels."""

from __future__ import annotations

import httpx
from prometheus_client import CollectorRegistry


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


async def test_requests_are_counted_by_route_template_and_status(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    for index in range(3):
        await client.put(f"/kv/user-{index}", json={"value": "v"})
    for index in range(5):
        await client.get(f"/kv/user-{index}")  # 3 found, 2 missing
    await client.get("/kv", params={"prefix": "user-"})
    await client.get("/no/such/path")
    await client.get("/also/unknown")
    await client.post("/kv/user-1")

    count = "http_requests_total"
    assert sample(registry, count, method="PUT", route="/kv/{key}", status="200") == 3
    assert sample(registry, count, method="GET", route="/kv/{key}", status="200") == 3
    assert sample(registry, count, method="GET", route="/kv/{key}", status="404") == 2
    assert sample(registry, count, method="GET", route="/kv", status="200") == 1
    assert sample(registry, count, method="GET", route="other", status="404") == 2
    assert sample(registry, count, method="POST", route="/kv/{key}", status="405") == 1

    duration = "http_request_duration_seconds_count"
    assert sample(registry, duration, method="GET", route="/kv/{key}") == 5
    assert sample(registry, "http_requests_in_flight") == 0


async def test_no_per_key_or_instance_labels(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    await client.put("/kv/some-key", json={"value": "v"})
    exposition = (await client.get("/metrics")).text
    assert "some-key" not in exposition
    assert "instance=" not in exposition


async def test_duration_histogram_buckets_span_1ms_to_10s(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    await client.get("/healthz")
    bucket = "http_request_duration_seconds_bucket"
    labels = {"method": "GET", "route": "/healthz"}
    assert sample(registry, bucket, le="0.001", **labels) is not None
    assert sample(registry, bucket, le="10.0", **labels) == 1
    assert sample(registry, bucket, le="+Inf", **labels) == 1


async def test_store_calls_are_counted_by_op_and_outcome(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    await client.put("/kv/a", json={"value": "1"})
    await client.get("/kv/a")
    await client.get("/kv/missing")
    await client.delete("/kv/a")
    await client.get("/kv")

    count = "store_requests_total"
    assert sample(registry, count, op="put", outcome="ok") == 1
    assert sample(registry, count, op="get", outcome="ok") == 1
    assert sample(registry, count, op="get", outcome="not_found") == 1
    assert sample(registry, count, op="delete", outcome="ok") == 1
    assert sample(registry, count, op="list", outcome="ok") == 1
    assert sample(registry, "store_request_duration_seconds_count", op="get") == 2


async def test_store_outage_is_counted_as_unavailable(
    make_client, registry: CollectorRegistry
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with make_client(
        transport=httpx.MockTransport(refuse),
        store_endpoints=["http://s1:2379", "http://s2:2379"],
        store_read_retries=1,
    ) as client:
        response = await client.get("/kv/a")
    assert response.status_code == 503
    # 2 endpoints x (1 attempt + 1 retry)
    assert sample(registry, "store_requests_total", op="get", outcome="unavailable") == 4
    assert (
        sample(registry, "http_requests_total", method="GET", route="/kv/{key}", status="503") == 1
    )


async def test_static_and_process_metrics(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    assert sample(registry, "web_build_info", release="1.0.0") == 1
    for fault_type in ("http-errors", "http-latency", "cpu-burn", "memory-leak"):
        assert sample(registry, "web_app_faults_active", type=fault_type) == 0
    assert sample(registry, "event_loop_lag_seconds") is not None
    for name in (
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_start_time_seconds",
    ):
        assert sample(registry, name) is not None, name


async def test_metrics_endpoint_exposes_the_injected_registry(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'web_build_info{release="1.0.0"} 1.0' in response.text


async def test_413_and_injected_errors_are_recorded(
    client: httpx.AsyncClient, registry: CollectorRegistry, admin_headers: dict[str, str]
) -> None:
    await client.put("/kv/k", content=b"x" * 200_000, headers={"content-type": "application/json"})
    await client.post(
        "/admin/faults",
        json={"id": "e", "type": "http-errors", "params": {"status": 502}},
        headers=admin_headers,
    )
    await client.get("/kv/k")
    count = "http_requests_total"
    assert sample(registry, count, method="PUT", route="/kv/{key}", status="413") == 1
    assert sample(registry, count, method="GET", route="/kv/{key}", status="502") == 1


async def test_metrics_middleware_can_be_switched_off(make_client, registry) -> None:
    async with make_client(metrics_middleware=False) as client:
        assert (await client.get("/healthz")).status_code == 200
    assert (
        sample(registry, "http_requests_total", method="GET", route="/healthz", status="200")
        is None
    )


async def test_unknown_methods_fold_into_other(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    await client.request("BREW", "/kv/pot")
    labels = {"method": "other", "route": "/kv/{key}", "status": "405"}
    assert sample(registry, "http_requests_total", **labels) == 1
