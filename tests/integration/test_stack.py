"""The local stack, for real: etcd, HAProxy, Prometheus and the web instances as processes."""

from __future__ import annotations

import os
import signal
import time

import httpx
import pytest

pytestmark = pytest.mark.stack


def test_status_shows_every_component_healthy_with_one_leader(stack):
    status = stack.wait_healthy()
    by_role: dict[str, list[dict]] = {}
    for component in status["components"]:
        by_role.setdefault(component["role"], []).append(component)
    assert [c["name"] for c in by_role["web"]] == ["web-1", "web-2", "web-3"]
    assert [c["name"] for c in by_role["store"]] == ["store-1", "store-2", "store-3"]
    assert [c["name"] for c in by_role["lb"]] == ["lb"]
    assert [c["name"] for c in by_role["prometheus"]] == ["prometheus"]
    assert all(c["health"] == "healthy" and c["state"] == "running" for c in status["components"])
    assert sum(1 for c in by_role["store"] if c["leader"]) == 1
    assert {"api", "prometheus", "controller"} <= set(status["endpoints"])


def test_write_through_lb_is_read_back_from_every_instance(stack):
    api = stack.url("api")
    put = httpx.put(f"{api}/kv/test/roundtrip", json={"value": "v1"})
    assert put.status_code == 200, put.text
    assert put.json()["key"] == "test/roundtrip" and put.json()["value"] == "v1"
    assert int(put.json()["revision"]) > 0
    for web in [c for c in stack.status()["components"] if c["role"] == "web"]:
        got = httpx.get(f"{web['url']}/kv/test/roundtrip")
        assert got.status_code == 200, (web["name"], got.text)
        assert got.json()["value"] == "v1"


def test_request_shows_in_prometheus_and_every_target_is_up(stack):
    api = stack.url("api")
    for i in range(5):
        assert httpx.put(f"{api}/kv/test/metrics-{i}", json={"value": "x"}).status_code == 200
    stack.wait_for(
        lambda: stack.prom_query('sum(http_requests_total{job="web",method="PUT",status="200"})'),
        timeout=15,
        what="PUT requests in Prometheus",
    )
    expected_jobs = {"web", "store", "lb", "prometheus", "proxy", "controller"}

    def every_target_up():
        # A job shows in `up` only after its first scrape, so wait for all of them, then all up.
        targets = stack.prom_query("up")
        seen = {s["metric"]["job"] for s in targets}
        return expected_jobs <= seen and all(s["value"][1] == "1" for s in targets) and targets

    targets = stack.wait_for(every_target_up, timeout=20, what="every target up")
    jobs = {s["metric"]["job"] for s in targets}
    assert expected_jobs <= jobs
    instances = {s["metric"]["instance"] for s in targets if s["metric"]["job"] == "web"}
    assert instances == {"web-1", "web-2", "web-3"}


def test_every_recording_rule_returns_a_value(stack):
    rules = httpx.get(f"{stack.url('prometheus')}/api/v1/rules").json()["data"]["groups"]
    names = sorted({r["name"] for g in rules for r in g["rules"] if r["type"] == "recording"})
    assert names, "no recording rules loaded"

    empty: list[str] = names

    def all_have_data() -> bool:
        nonlocal empty
        empty = [n for n in empty if not stack.prom_query(n)]
        return not empty

    try:
        stack.wait_for(all_have_data, timeout=40, interval=2, what="data for every recording rule")
    except AssertionError:
        pytest.fail(f"recording rules without data: {empty}")


def test_standby_web_slots_in_maintenance_raise_no_alert(stack):
    """web-4..8 are HAProxy servers in maintenance until a scale: not an incident."""
    stack.wait_healthy()
    standby = stack.prom_query('haproxy_server_status{proxy="web",state="MAINT"} == 1')
    assert {s["metric"]["server"] for s in standby} >= {"web-4", "web-8"}
    time.sleep(4)  # longer than LbServerDown's `for: 3s`
    firing = stack.prom_query('ALERTS{alertname="LbServerDown",server=~"web-[4-8]"}')
    assert firing == [], [s["metric"] for s in firing]


def _store_follower(stack) -> dict:
    stack.wait_healthy()
    return next(c for c in stack.status()["components"] if c["role"] == "store" and not c["leader"])


def test_killing_one_store_follower_keeps_writes_working(stack):
    follower = _store_follower(stack)
    os.kill(follower["pid"], signal.SIGKILL)
    api = stack.url("api")
    for i in range(10):
        response = httpx.put(f"{api}/kv/test/one-down-{i}", json={"value": str(i)}, timeout=5)
        assert response.status_code == 200, response.text
    # The supervisor brings it back, as a new process.
    stack.wait_for(
        lambda: (
            (c := stack.component(follower["name"]))["health"] == "healthy"
            and c["pid"] != follower["pid"]
        ),
        timeout=30,
        what=f"{follower['name']} restarted",
    )


def test_losing_store_quorum_answers_503_then_recovers(stack):
    stack.wait_healthy()
    victims = [c["name"] for c in stack.status()["components"] if c["role"] == "store"][:2]
    api = stack.url("api")
    try:
        for name in victims:
            stack.controller.post(f"/api/components/{name}/stop")
        response = stack.wait_for(
            lambda: (
                (
                    r := httpx.put(f"{api}/kv/test/no-quorum", json={"value": "x"}, timeout=10)
                ).status_code
                == 503
                and r
            ),
            timeout=20,
            what="a 503 without quorum",
        )
        assert response.headers.get("retry-after")
        assert response.json()["error"].startswith("store_")
    finally:
        for name in victims:
            stack.controller.post(f"/api/components/{name}/start")
    stack.wait_healthy(timeout=60)
    ok = stack.wait_for(
        lambda: httpx.put(f"{api}/kv/test/quorum-back", json={"value": "y"}).status_code == 200,
        timeout=30,
        what="writes to succeed again",
    )
    assert ok


def test_killing_a_web_instance_is_absorbed_by_haproxy(stack):
    stack.wait_healthy()
    api = stack.url("api")
    httpx.put(f"{api}/kv/test/absorb", json={"value": "z"})
    victim = stack.component("web-2")
    os.kill(victim["pid"], signal.SIGKILL)
    failures = 0
    deadline = time.monotonic() + 3
    total = 0
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            total += 1
            if client.get(f"{api}/kv/test/absorb").status_code != 200:
                failures += 1
    # Reads are retried on another instance by HAProxy, so users see (almost) nothing.
    assert total > 20
    assert failures <= 2, f"{failures} of {total} reads failed"
    stack.wait_for(
        lambda: (
            (c := stack.component("web-2"))["health"] == "healthy" and c["pid"] != victim["pid"]
        ),
        timeout=30,
        what="web-2 restarted",
    )
