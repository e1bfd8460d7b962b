"""The moves an SRE makes, on the real stack under load: scale, drain, rollback, store."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.integration.stackctl import FaultDriver, metric_value

pytestmark = pytest.mark.stack


def client_totals(stack) -> tuple[float, float]:
    text = httpx.get(f"{stack.url('loadgen')}/metrics", timeout=5).text
    ok = metric_value(text, "loadgen_requests_total", outcome="ok") or 0
    failed = sum(
        metric_value(text, "loadgen_requests_total", outcome=o) or 0
        for o in ("http_error", "timeout", "connection_error")
    )
    return ok, failed


def served(stack, name: str) -> float:
    return metric_value(stack.metrics(name), "http_requests_total", route="/kv/{key}") or 0


def test_scale_out_and_in_under_load_within_the_error_budget(stack):
    stack.wait_healthy()
    ok0, failed0 = client_totals(stack)
    try:
        result = json.loads(stack.cli("scale", "web=5", "--json", timeout=120).stdout)
        assert result["added"] == ["web-4", "web-5"]
        status = stack.wait_healthy()
        webs = [c["name"] for c in status["components"] if c["role"] == "web"]
        assert webs == ["web-1", "web-2", "web-3", "web-4", "web-5"]
        stack.wait_for(
            lambda: served(stack, "web-5") > 0 and served(stack, "web-4") > 0,
            timeout=20,
            what="traffic on the new instances",
        )
        stack.wait_for(
            lambda: len(stack.prom_query('up{job="web"} == 1')) == 5,
            timeout=20,
            what="Prometheus scraping 5 web instances",
        )
    finally:
        stack.cli("scale", "web=3", timeout=120)
    status = stack.wait_healthy()
    assert [c["name"] for c in status["components"] if c["role"] == "web"] == [
        "web-1",
        "web-2",
        "web-3",
    ]
    ok1, failed1 = client_totals(stack)
    total = (ok1 - ok0) + (failed1 - failed0)
    assert total > 50
    assert failed1 - failed0 <= 0.001 * total, f"{failed1 - failed0} of {total} requests failed"
    # Beyond the stack's slots: the error names this stack's range, not a generic bound.
    beyond = stack.cli("scale", "web=20", check=False)
    assert beyond.returncode != 0 and "count: web can be scaled from 1 to 8" in beyond.stderr


def test_drain_empties_an_instance_then_it_gets_no_new_traffic(stack):
    stack.wait_healthy()
    _, failed0 = client_totals(stack)
    try:
        stack.cli("drain", "web-2")
        time.sleep(1)  # requests already accepted finish; nothing new arrives
        settled = served(stack, "web-2")
        time.sleep(3)
        assert served(stack, "web-2") == settled
        assert stack.component("web-2")["state"] == "running"  # out of rotation, not down
    finally:
        stack.cli("ready", "web-2")
    stack.wait_for(
        lambda: served(stack, "web-2") > settled, timeout=15, what="web-2 back in rotation"
    )
    _, failed1 = client_totals(stack)
    assert failed1 == failed0


def test_rollback_undoes_a_bad_deploy(stack):
    stack.wait_healthy()
    driver = FaultDriver(stack)
    fault = driver.inject("bad-deploy", "web-1", duration="5m")
    url = stack.component("web-1")["url"]
    httpx.put(f"{stack.url('api')}/kv/test/rollback", json={"value": "v"})
    stack.wait_for(lambda: httpx.get(f"{url}/kv/test/rollback").status_code == 500, timeout=20)
    stack.cli("rollback", "web-1")
    stack.wait_for(lambda: httpx.get(f"{url}/kv/test/rollback").status_code == 200, timeout=20)
    assert stack.controller.get(f"/api/faults/{fault['id']}")["state"] == "reverted"
    moves = stack.controller.get("/api/remediation")
    assert moves[-1]["action"] == "rollback" and moves[-1]["component"] == "web-1"


def test_move_leader_and_recover_from_a_full_store(stack):
    stack.wait_healthy()
    leader = stack.leader()
    follower = next(
        c["name"]
        for c in stack.status()["components"]
        if c["role"] == "store" and c["name"] != leader
    )
    stack.cli("store", "move-leader", follower)
    stack.wait_for(lambda: stack.leader() == follower, timeout=10, what="the leader to move")

    driver = FaultDriver(stack)
    driver.inject("disk-fill", "store:leader", duration="5m")
    api = stack.url("api")
    assert httpx.put(f"{api}/kv/test/full", json={"value": "x"}, timeout=10).status_code == 503
    try:
        # The runbook: compact and defragment to free the space, then clear the alarm.
        stack.cli("store", "defrag", timeout=120)
        stack.cli("store", "disarm")
        assert httpx.put(f"{api}/kv/test/full", json={"value": "x"}, timeout=10).status_code == 200
    finally:
        stack.controller.post("/api/abort")
