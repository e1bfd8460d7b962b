"""Every fault in the catalog, applied to the real local stack, seen in its metrics."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.integration.stackctl import FaultDriver, metric_value

pytestmark = pytest.mark.stack


@pytest.fixture
def faults(stack):
    stack.wait_healthy(timeout=60)
    driver = FaultDriver(stack)
    yield driver
    stack.controller.post("/api/abort")
    assert driver.active() == []
    assert driver.proxy_faults() == []  # after revert, nothing is left in the proxy
    stack.wait_healthy(timeout=60)


def test_kill_takes_a_web_instance_out_of_haproxy_and_it_returns_as_a_new_start(stack, faults):
    before = stack.component("web-2")
    started = metric_value(stack.metrics("web-2"), "process_start_time_seconds")
    faults.inject("kill", "web-2", duration="20s")
    t0 = time.monotonic()
    stack.wait_for(
        lambda: not stack.in_rotation("web-2"),
        timeout=5,
        interval=0.1,
        what="HAProxy marking web-2 down",
    )
    assert time.monotonic() - t0 < 2.5
    stack.wait_for(
        lambda: (
            stack.component("web-2")["pid"] not in (None, before["pid"])
            and stack.component("web-2")["health"] == "healthy"
        ),
        timeout=20,
    )
    assert metric_value(stack.metrics("web-2"), "process_start_time_seconds") > started
    stack.wait_for(lambda: stack.in_rotation("web-2"), timeout=10)


def test_kill_with_stay_down_keeps_it_down_until_revert(stack, faults):
    fault = faults.inject("kill", "web-3", duration="30s", stay_down=True)
    time.sleep(3)  # longer than the supervisor's backoff
    assert stack.component("web-3")["state"] == "stopped"
    faults.revert(fault["id"])
    stack.wait_for(lambda: stack.component("web-3")["health"] == "healthy", timeout=20)


def test_stop_and_restart(stack, faults):
    fault = faults.inject("stop", "web-1", duration="30s")
    assert stack.component("web-1")["state"] == "stopped"
    stack.wait_for(lambda: not stack.in_rotation("web-1"), timeout=5)
    faults.revert(fault["id"])
    stack.wait_for(lambda: stack.component("web-1")["health"] == "healthy", timeout=20)
    before = stack.component("store-3")["pid"]
    faults.inject("restart", "store-3")
    stack.wait_for(
        lambda: (c := stack.component("store-3"))["pid"] != before and c["health"] == "healthy",
        timeout=30,
    )


def test_pause_hangs_the_instance_until_revert(stack, faults):
    fault = faults.inject("pause", "web-3", duration="30s")
    assert stack.component("web-3")["state"] == "paused"
    with pytest.raises(httpx.TimeoutException):
        httpx.get(f"{stack.component('web-3')['url']}/healthz", timeout=1)
    stack.wait_for(lambda: not stack.in_rotation("web-3"), timeout=5)
    faults.revert(fault["id"])
    assert stack.component("web-3")["state"] == "running"
    assert httpx.get(f"{stack.component('web-3')['url']}/healthz", timeout=2).status_code == 200


def test_latency_on_web_to_store_links_shows_in_store_request_durations(stack, faults):
    web = stack.component("web-1")["url"]
    httpx.put(f"{web}/kv/test/slow", json={"value": "v"})
    faults.inject("latency", "web-1", ms=200, to="store", duration="30s")
    time.sleep(1)  # let store calls that started before the fault finish (load is running)
    before = stack.metrics("web-1")
    for _ in range(5):
        assert httpx.get(f"{web}/kv/test/slow", timeout=10).status_code == 200
    after = stack.metrics("web-1")

    def delta(le: str) -> float:
        return metric_value(after, "store_request_duration_seconds_bucket", op="get", le=le) - (
            metric_value(before, "store_request_duration_seconds_bucket", op="get", le=le) or 0
        )

    assert delta("+Inf") >= 5
    assert delta("0.1") == 0  # every store call took longer than 100 ms: p50 >= 200 ms


def test_loss_and_blackhole_on_the_lb_link_take_the_instance_out(stack, faults):
    faults.inject("loss", "web-1", probability=1.0, to="lb", duration="30s")
    stack.wait_for(lambda: not stack.in_rotation("web-1"), timeout=5)
    faults.inject("blackhole", "web-2", to="lb", duration="30s")
    stack.wait_for(lambda: not stack.in_rotation("web-2"), timeout=5)
    api = stack.url("api")
    assert httpx.get(f"{api}/healthz", timeout=5).status_code == 200  # web-3 serves alone


def test_bandwidth_cap_slows_a_large_response(stack, faults):
    api = stack.url("api")
    httpx.put(f"{api}/kv/test/big", json={"value": "x" * 20_000})
    link = next(lk for lk in stack.controller.plan.proxy_links if lk.name == "lb->web-2")
    fast = time.monotonic()
    httpx.get(f"http://{link.listen}/kv/test/big", timeout=10)
    fast = time.monotonic() - fast
    faults.inject("bandwidth", "web-2", to="lb", bytes_per_s=10_000, duration="30s")
    slow = time.monotonic()
    httpx.get(f"http://{link.listen}/kv/test/big", timeout=20)
    slow = time.monotonic() - slow
    assert slow > 1.5 > fast


def test_partition_isolating_the_leader_elects_another_and_writes_succeed(stack, faults):
    old = stack.leader()
    fault = faults.inject("partition", "store:leader", duration="60s")
    assert fault["targets"] == [old]
    t0 = time.monotonic()
    new = stack.wait_for(
        lambda: (leader := stack.leader()) not in (None, old) and leader,
        timeout=10,
        interval=0.2,
        what="a new leader",
    )
    assert time.monotonic() - t0 < 5
    api = stack.url("api")
    ok = stack.wait_for(
        lambda: (
            httpx.put(f"{api}/kv/test/after-partition", json={"value": new}, timeout=5).status_code
            == 200
        ),
        timeout=10,
    )
    assert ok


def test_http_errors_and_latency_inside_the_web_service(stack, faults):
    web = stack.component("web-1")["url"]
    faults.inject("http-errors", "web-1", probability=1.0, status=503, duration="30s")
    response = httpx.get(f"{web}/kv/test/anything")
    assert response.status_code == 503
    assert metric_value(stack.metrics("web-1"), "http_requests_total", status="503") >= 1
    faults.inject("http-latency", "web-2", ms=300, duration="30s")
    t0 = time.monotonic()
    httpx.get(f"{stack.component('web-2')['url']}/kv/test/anything")
    assert time.monotonic() - t0 >= 0.3


def test_cpu_burn_raises_the_instance_cpu(stack, faults):
    def cpu() -> float:
        return metric_value(stack.metrics("web-3"), "process_cpu_seconds_total")

    faults.inject("cpu-burn", "web-3", cores=1, share=1.0, duration="30s")
    start, t0 = cpu(), time.monotonic()
    time.sleep(2)
    assert (cpu() - start) / (time.monotonic() - t0) > 0.5


def test_memory_leak_past_the_limit_ends_in_an_oom_kill_and_restart(stack, faults):
    before = stack.component("web-2")
    faults.inject("memory-leak", "web-2", mb_per_s=150, cap_mb=1024, duration="60s")
    restarted = stack.wait_for(
        lambda: (c := stack.component("web-2"))["restarts"] > before["restarts"] and c,
        timeout=20,
        what="an OOM kill and restart",
    )
    assert "OOM" in (restarted["last_exit"] or "")
    stack.wait_for(lambda: stack.component("web-2")["health"] == "healthy", timeout=20)


def test_bad_deploy_breaks_some_routes_until_rolled_back(stack, faults):
    web = lambda: stack.component("web-3")["url"]  # noqa: E731 - the url is stable, the pid not
    httpx.put(f"{stack.url('api')}/kv/test/deploy", json={"value": "v"})
    fault = faults.inject("bad-deploy", "web-3", duration="60s")
    stack.wait_for(lambda: stack.component("web-3")["state"] == "running", timeout=20)
    stack.wait_for(lambda: httpx.get(f"{web()}/healthz").status_code == 200, timeout=20)
    assert httpx.get(f"{web()}/kv/test/deploy").status_code == 500
    assert metric_value(stack.metrics("web-3"), "web_build_info", release="2.0.0-rc1") == 1
    faults.revert(fault["id"])
    stack.wait_for(lambda: httpx.get(f"{web()}/kv/test/deploy").status_code == 200, timeout=20)


def test_disk_fill_raises_nospace_and_revert_restores_writes(stack, faults):
    api = stack.url("api")
    fault = faults.inject("disk-fill", "store:leader", duration="120s")
    response = httpx.put(f"{api}/kv/test/full", json={"value": "x"}, timeout=10)
    assert response.status_code == 503 and response.json()["error"] == "store_full"
    store = stack.controller.plan.component("store-1")
    alarms = httpx.post(f"{store.url}/v3/maintenance/alarm", json={"action": "GET"}).json()
    assert any(a.get("alarm") == "NOSPACE" for a in alarms.get("alarms", []))
    faults.revert(fault["id"])
    assert httpx.put(f"{api}/kv/test/full", json={"value": "x"}, timeout=10).status_code == 200
