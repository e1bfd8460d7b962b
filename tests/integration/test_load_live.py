"""The load generator on the real stack: client-side truth and the consistency checker."""

from __future__ import annotations

import json

import httpx
import pytest

from chaos.etcd_admin import b64
from tests.integration.stackctl import FaultDriver, metric_value

pytestmark = pytest.mark.stack


def loadgen_metrics(stack) -> str:
    return httpx.get(f"{stack.url('loadgen')}/metrics", timeout=5).text


def client_failures(stack) -> float:
    text = loadgen_metrics(stack)
    return sum(
        metric_value(text, "loadgen_requests_total", outcome=o) or 0
        for o in ("http_error", "timeout", "connection_error")
    )


def test_status_lists_loadgen_and_prometheus_sees_client_traffic(stack):
    status = stack.wait_healthy()
    loadgen = next(c for c in status["components"] if c["name"] == "loadgen")
    assert loadgen["url"] == status["endpoints"]["loadgen"] and loadgen["health"] == "healthy"
    rate = stack.wait_for(
        lambda: (
            (r := stack.prom_query("job:loadgen_requests:rate15s"))
            and float(r[0]["value"][1]) > 5
            and r
        ),
        timeout=20,
        what="client-side request rate",
    )
    assert rate[0]["metric"]["job"] == "loadgen"


def test_load_set_and_show_from_the_cli(stack):
    try:
        changed = json.loads(stack.cli("load", "set", "--rate", "30", "--json").stdout)
        assert changed["rate"] == 30
        shown = json.loads(stack.cli("load", "show", "--json").stdout)
        assert shown["rate"] == 30 and shown["users"] >= 1
        bad = stack.cli("load", "set", "--rate", "10", "--users", "3", check=False)
        assert bad.returncode != 0 and "exactly one" in bad.stderr
    finally:
        stack.cli("load", "set", "--rate", "20")


def test_errors_rise_and_fall_back_through_leader_and_web_kills_with_no_violations(stack):
    stack.wait_healthy()
    driver = FaultDriver(stack)
    stack.cli("load", "set", "--rate", "60")
    try:
        before = client_failures(stack)
        leader = stack.leader()
        # Kept down: a leader the supervisor restarts within a second may win the next
        # election again, and then there is no new leader to wait for.
        driver.inject("kill", "store:leader", duration="15s", stay_down=True)
        stack.wait_for(
            lambda: stack.leader() not in (None, leader), timeout=15, what="a new leader"
        )
        driver.inject("kill", "web-2", duration="15s")
        stack.wait_healthy(timeout=60)
        assert client_failures(stack) > before, "the kills were invisible to clients"
        # ...and the client-side error ratio falls back to zero once the stack has healed.
        stack.wait_for(
            lambda: (
                (r := stack.prom_query("job:loadgen_errors:ratio_rate15s"))
                and float(r[0]["value"][1]) == 0
            ),
            timeout=60,
            interval=1,
            what="the client error ratio back at 0",
        )
    finally:
        stack.cli("load", "set", "--rate", "20")
        stack.controller.post("/api/abort")
    summary = stack.controller.post("/api/consistency/sweep")
    assert summary["acknowledged_writes"] > 0 and summary["reads_checked"] > 0
    assert summary["violations"] == {"lost_write": 0, "stale_read": 0, "revision_regression": 0}


def test_deleting_acknowledged_writes_behind_the_api_is_caught(stack):
    stack.wait_healthy()
    before = stack.controller.get("/api/consistency")
    assert before["acknowledged_writes"] > 0
    store = stack.controller.plan.component("store-1").url
    try:
        # Corrupt the store directly in etcd: every checker key vanishes.
        prefix, end = "cc/", "cc0"  # "0" is the byte after "/"
        response = httpx.post(
            f"{store}/v3/kv/deleterange", json={"key": b64(prefix), "range_end": b64(end)}
        )
        assert response.status_code == 200 and int(response.json().get("deleted", 0)) > 0
        summary = stack.controller.post("/api/consistency/sweep")
        assert summary["violations"]["lost_write"] > 0
        text = loadgen_metrics(stack)
        assert metric_value(text, "loadgen_consistency_violations_total", kind="lost_write") > 0
    finally:
        # A fresh load generator starts a fresh history, so later tests see a clean slate.
        stack.controller.post("/api/components/loadgen/restart")
        stack.wait_healthy(timeout=60)
