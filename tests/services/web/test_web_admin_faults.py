"""The admin API: auth, each fault type's effect, replacement and expiry."""

from __future__ import annotations

import asyncio
import os
import threading
import time

import httpx
import pytest
from prometheus_client import CollectorRegistry


def active_gauge(registry: CollectorRegistry, fault_type: str) -> float | None:
    return registry.get_sample_value("web_app_faults_active", {"type": fault_type})


async def apply(client: httpx.AsyncClient, headers: dict[str, str], **spec) -> httpx.Response:
    return await client.post("/admin/faults", json=spec, headers=headers)


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# -- auth ------------------------------------------------------------------------------


async def test_admin_is_404_when_no_token_is_configured(make_client) -> None:
    async with make_client(admin_token="") as client:
        response = await client.get("/admin/faults", headers={"Authorization": "Bearer "})
    assert response.status_code == 404


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "test-token", "Basic x"])
async def test_admin_needs_the_bearer_token(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    for response in (
        await client.get("/admin/faults", headers=headers),
        await client.post("/admin/faults", json={"id": "x", "type": "cpu-burn"}, headers=headers),
        await client.delete("/admin/faults", headers=headers),
    ):
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"


# -- validation ------------------------------------------------------------------------


async def test_unknown_type_is_422_naming_type(client, admin_headers) -> None:
    response = await apply(client, admin_headers, id="x", type="disk-fill")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "type"


@pytest.mark.parametrize(
    ("fault_type", "params", "field"),
    [
        ("http-errors", {"probability": 1.5}, "params.probability"),
        ("http-errors", {"status": 404}, "params.status"),
        ("http-latency", {"ms": -1}, "params.ms"),
        ("http-latency", {}, "params.ms"),
        ("cpu-burn", {"cores": 9, "share": 0.5}, "params.cores"),
        ("cpu-burn", {"cores": 1, "share": 2}, "params.share"),
        ("memory-leak", {"mb_per_s": 0, "cap_mb": 10}, "params.mb_per_s"),
        ("memory-leak", {"mb_per_s": 1, "cap_mb": 10, "bogus": 1}, "params.bogus"),
    ],
)
async def test_bad_params_are_422_naming_the_field(
    client, admin_headers, fault_type: str, params: dict, field: str
) -> None:
    response = await apply(client, admin_headers, id="x", type=fault_type, params=params)
    assert response.status_code == 422
    assert field in [problem["field"] for problem in response.json()["detail"]]


async def test_expires_in_must_be_positive(client, admin_headers) -> None:
    response = await apply(
        client, admin_headers, id="x", type="http-errors", params={}, expires_in=0
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "expires_in"


# -- http-errors / http-latency ----------------------------------------------------------


async def test_http_errors_fault_answers_the_chosen_status(client, admin_headers, registry) -> None:
    await client.put("/kv/k", json={"value": "v"})
    response = await apply(
        client,
        admin_headers,
        id="errors-1",
        type="http-errors",
        params={"status": 503, "route": "/kv/{key}", "method": "GET"},
    )
    assert response.status_code == 201
    assert response.json()["type"] == "http-errors"
    assert active_gauge(registry, "http-errors") == 1

    hit = await client.get("/kv/k")
    assert hit.status_code == 503  # the body names no fault (drills): a plain 503
    assert hit.json() == {"error": "service_unavailable", "detail": "Service Unavailable"}
    assert (await client.put("/kv/k", json={"value": "v"})).status_code == 200  # other method
    assert (await client.get("/kv")).status_code == 200  # other route
    assert (await client.get("/admin/faults", headers=admin_headers)).status_code == 200

    deleted = await client.delete("/admin/faults/errors-1", headers=admin_headers)
    assert deleted.status_code == 200
    assert (await client.get("/kv/k")).status_code == 200
    assert active_gauge(registry, "http-errors") == 0


async def test_http_errors_probability_zero_never_fires(client, admin_headers) -> None:
    await apply(client, admin_headers, id="e", type="http-errors", params={"probability": 0})
    statuses = {(await client.get("/healthz")).status_code for _ in range(20)}
    assert statuses == {200}


async def test_http_errors_probability_is_roughly_honoured(client, admin_headers) -> None:
    await apply(client, admin_headers, id="e", type="http-errors", params={"probability": 0.5})
    statuses = [(await client.get("/healthz")).status_code for _ in range(200)]
    assert 50 < statuses.count(500) < 150


async def test_http_latency_delays_matching_requests(client, admin_headers) -> None:
    await apply(
        client,
        admin_headers,
        id="slow",
        type="http-latency",
        params={"ms": 200, "jitter_ms": 50, "route": "/healthz"},
    )
    started = time.perf_counter()
    assert (await client.get("/healthz")).status_code == 200
    assert time.perf_counter() - started >= 0.19

    # Another route is not delayed; the fastest of a few tries shrugs off a busy machine.
    fastest = 1.0
    for _ in range(3):
        started = time.perf_counter()
        await client.get("/readyz")
        fastest = min(fastest, time.perf_counter() - started)
    assert fastest < 0.15


# -- cpu-burn / memory-leak --------------------------------------------------------------


async def test_cpu_burn_uses_cpu_and_stops_on_revert(client, admin_headers, registry) -> None:
    cpu_before = time.process_time()
    await apply(client, admin_headers, id="burn", type="cpu-burn", params={"cores": 2, "share": 1})
    assert active_gauge(registry, "cpu-burn") == 1
    # Two burning threads use well over a core; poll with a deadline so a busy machine
    # only makes the test slower, not red.
    deadline = time.monotonic() + 10
    while time.process_time() - cpu_before < 0.4 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert time.process_time() - cpu_before >= 0.4

    await client.delete("/admin/faults/burn", headers=admin_headers)
    assert not [t for t in threading.enumerate() if t.name.startswith("cpu-burn")]
    assert active_gauge(registry, "cpu-burn") == 0


async def test_memory_leak_grows_rss_to_the_cap_and_revert_frees(client, admin_headers) -> None:
    before = rss_bytes()
    await apply(
        client,
        admin_headers,
        id="leak",
        type="memory-leak",
        params={"mb_per_s": 200, "cap_mb": 40},
    )
    await asyncio.sleep(0.5)
    grown = rss_bytes() - before
    assert 35 * 2**20 < grown < 60 * 2**20

    await client.delete("/admin/faults/leak", headers=admin_headers)
    assert rss_bytes() - before < 15 * 2**20


# -- lifecycle ---------------------------------------------------------------------------


async def test_fault_expires_by_itself(client, admin_headers, registry) -> None:
    response = await apply(
        client, admin_headers, id="brief", type="http-errors", params={}, expires_in=0.2
    )
    assert response.json()["expires_in"] == pytest.approx(0.2, abs=0.05)
    assert (await client.get("/healthz")).status_code == 500
    await asyncio.sleep(0.3)
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/admin/faults", headers=admin_headers)).json() == {"faults": []}
    assert active_gauge(registry, "http-errors") == 0


async def test_reapplying_an_id_replaces_the_fault_and_its_timer(client, admin_headers) -> None:
    await apply(client, admin_headers, id="f", type="http-errors", params={}, expires_in=0.2)
    await apply(
        client, admin_headers, id="f", type="http-errors", params={"status": 502}, expires_in=5
    )
    await asyncio.sleep(0.3)  # the first timer must not remove the replacement
    listed = (await client.get("/admin/faults", headers=admin_headers)).json()["faults"]
    assert [(f["id"], f["params"]["status"]) for f in listed] == [("f", 502)]
    assert (await client.get("/healthz")).status_code == 502


async def test_delete_unknown_is_404_and_delete_all_clears(client, admin_headers, registry) -> None:
    assert (await client.delete("/admin/faults/nope", headers=admin_headers)).status_code == 404
    await apply(client, admin_headers, id="a", type="http-latency", params={"ms": 1})
    await apply(client, admin_headers, id="b", type="http-errors", params={"probability": 0})
    cleared = await client.delete("/admin/faults", headers=admin_headers)
    assert cleared.json() == {"reverted_count": 2}
    assert (await client.get("/admin/faults", headers=admin_headers)).json() == {"faults": []}
    assert active_gauge(registry, "http-latency") == 0


async def test_shutdown_reverts_running_faults(make_client, admin_headers) -> None:
    async with make_client() as client:
        await apply(client, admin_headers, id="b", type="cpu-burn", params={"cores": 1, "share": 1})
    assert not [t for t in threading.enumerate() if t.name.startswith("cpu-burn")]
