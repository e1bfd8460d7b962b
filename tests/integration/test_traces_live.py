"""On the real local stack: a GET through the `api` endpoint (HAProxy) answers its trace id in
`X-Trace-Id`, and the controller's trace store soon holds that trace: the web instance's
server span and its store-call span under it, as `gameday trace ID` draws them."""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = pytest.mark.stack

TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


def test_a_get_through_the_api_endpoint_is_a_trace_that_gameday_trace_draws(stack):
    api = stack.controller.get("/api/status")["endpoints"]["api"]
    with httpx.Client(timeout=10) as http:
        put = http.put(f"{api}/kv/live/traced", json={"value": "v"})
        assert put.status_code == 200, put.text
        got = http.get(f"{api}/kv/live/traced")
    assert got.status_code == 200, got.text
    trace_id = got.headers.get("x-trace-id", "")
    assert TRACE_ID.match(trace_id), got.headers
    assert put.headers["x-trace-id"] != trace_id

    def stored() -> dict | None:
        found = stack.controller.get(f"/api/traces/{trace_id}")
        names = {s["name"] for s in found["spans"]}
        return found if {"GET /kv/{key}", "store get"} <= names else None

    # Web exports every second; a loaded machine may take longer. Bounded either way.
    trace = stack.wait_for(stored, timeout=60, interval=1.0, what=f"trace {trace_id} stored")
    server = next(s for s in trace["spans"] if s["name"] == "GET /kv/{key}")
    calls = [s for s in trace["spans"] if s["name"] == "store get"]
    assert server["service"].startswith("web-") and server["kind"] == "server"
    assert server["attributes"]["http.response.status_code"] == 200
    assert all(c["parent_span_id"] == server["span_id"] for c in calls)
    assert calls[-1]["attributes"]["store.outcome"] == "ok"
    assert calls[-1]["attributes"]["store.revision"] > 0

    drawn = stack.cli("trace", trace_id, timeout=180).stdout
    assert f"trace {trace_id}" in drawn
    assert f"{server['service']}: GET /kv/{{key}}" in drawn
    assert f"  {server['service']}: store get" in drawn  # indented under its parent

    listed = stack.controller.get("/api/traces", params={"service": server["service"],
                                                         "since": "5m", "limit": "1000"})
    assert trace_id in {t["trace_id"] for t in listed}
