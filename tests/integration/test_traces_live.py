"""On the real local stack: a GET through the `api` endpoint (HAProxy) answers its trace id in
`X-Trace-Id`, and the controller's trace store soon holds that trace: the web instance's
server span and its store-call span under it, under the load balancer's hop (a span derived
from HAProxy's access line), as `gameday trace ID` draws them. A latency
fault on web-2's store links shows in `gameday traces --slowest 5`, a store leader kill as a
failover of two store-call spans in one trace, and the exemplars Prometheus keeps on web's
latency histogram resolve to stored traces."""

from __future__ import annotations

import json
import re
import threading
import time

import httpx
import pytest

from tests.integration.stackctl import FaultDriver

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

    # The load balancer's hop: a span derived from HAProxy's access line, once the controller
    # has read it (it tails lb's log every 0.5 s). Bounded.
    def with_lb() -> dict | None:
        found = stack.controller.get(f"/api/traces/{trace_id}")
        return found if any(s["service"] == "lb" for s in found["spans"]) else None

    stack.wait_for(with_lb, timeout=20, interval=0.5, what=f"lb span of trace {trace_id}")
    shown = json.loads(stack.cli("trace", trace_id, "--json", timeout=180).stdout)
    [lb] = [s for s in shown["spans"] if s["service"] == "lb"]
    server = next(s for s in shown["spans"] if s["name"] == "GET /kv/{key}")
    calls = [s for s in shown["spans"] if s["name"] == "store get"]
    assert lb["parent_span_id"] is None  # a user's request: no traceparent, lb is the root
    assert server["parent_span_id"] == lb["span_id"]
    assert calls and all(c["parent_span_id"] == server["span_id"] for c in calls)
    assert lb["attributes"]["gameday.derived_from"] == "haproxy access log"
    assert lb["attributes"]["haproxy.server"] == server["service"]
    assert lb["attributes"]["http.response.status_code"] == 200
    assert lb["name"] == "GET /kv/live/traced"
    # Its window (accept time + Tt, in ms) holds web's span: one clock, ms resolution.
    slack = 0.02
    assert lb["start"] <= server["start"] + slack, (lb, server)
    assert (server["start"] + server["duration_ms"] / 1000
            <= lb["start"] + lb["duration_ms"] / 1000 + slack), (lb, server)

    drawn = stack.cli("trace", trace_id, timeout=180).stdout
    assert f"trace {trace_id}" in drawn
    assert "\nlb: GET /kv/live/traced" in drawn  # the root
    assert f"  {server['service']}: GET /kv/{{key}}" in drawn  # under the lb span
    assert f"    {server['service']}: store get" in drawn  # under web's server span

    listed = stack.controller.get("/api/traces", params={"service": server["service"],
                                                         "since": "5m", "limit": "1000"})
    assert trace_id in {t["trace_id"] for t in listed}


def test_the_load_generators_requests_are_traces_rooted_at_its_own_span(stack):
    """The load generator (20 req/s, 5% recorded) starts each trace with its client span:
    HAProxy's hop under it, web's server span under that, the store calls under web's."""

    def rooted_at_loadgen() -> list[dict] | None:
        listed = stack.controller.get("/api/traces", params={
            "service": "loadgen", "since": "2m", "limit": "20"})
        for entry in listed:
            spans = spans_of(stack, entry["trace_id"])
            by_service = {s["service"]: s for s in spans}
            web = [s for s in spans if s["service"].startswith("web-") and s["kind"] == "server"]
            if entry["root_service"] == "loadgen" and "lb" in by_service and web:
                return spans
        return None

    spans = stack.wait_for(rooted_at_loadgen, timeout=60, interval=1.0,
                           what="a load generator trace with its lb and web spans")
    [root] = [s for s in spans if s["service"] == "loadgen"]
    [lb] = [s for s in spans if s["service"] == "lb"]
    web = next(s for s in spans if s["service"].startswith("web-") and s["kind"] == "server")
    assert root["kind"] == "client" and root["parent_span_id"] is None
    assert root["attributes"]["loadgen.op"] and root["attributes"]["loadgen.outcome"]
    assert root["name"] == f"{root['attributes']['http.request.method']} " \
                           f"{root['attributes']['loadgen.op']}"
    assert lb["parent_span_id"] == root["span_id"]
    assert web["parent_span_id"] == lb["span_id"]
    assert all(s["parent_span_id"] == web["span_id"] for s in spans
               if s["name"].startswith("store "))


def spans_of(stack, trace_id: str) -> list[dict]:
    return stack.controller.get(f"/api/traces/{trace_id}")["spans"]


def since_arg(started: float) -> str:
    """`--since` covering everything from `started` (a few seconds of slack) on."""
    return f"{int(time.time() - started) + 3}s"


def test_a_latency_fault_on_web_2s_store_links_shows_in_the_slowest_traces(stack):
    stack.wait_healthy()
    api = stack.url("api")
    web_2 = stack.component("web-2")["url"]
    started = time.time()
    fault = json.loads(stack.cli("inject", "latency", "web-2", "--set", "to=store",
                                 "--set", "ms=300", "--duration", "60s", "--json").stdout)
    try:
        slow: list[str] = []
        with httpx.Client(timeout=5, trust_env=False) as http:
            # Users' requests (no traceparent: always recorded): through the load balancer,
            # and straight to web-2 so that some surely land there. Bounded: 12 requests.
            for url in [api, web_2] * 6:
                answer = http.get(f"{url}/kv/live/latency")
                if answer.elapsed.total_seconds() >= 0.3:
                    slow.append(answer.headers["x-trace-id"])
        assert len(slow) >= 6, slow  # web-2's answers, at least the six sent to it

        def slowest_on_web_2() -> list[tuple[str, list[dict]]]:
            # The API while waiting (a CLI run costs seconds on a busy machine), the CLI once.
            listed = stack.controller.get("/api/traces", params={
                "order": "slowest", "limit": "5", "since": since_arg(started)})
            found = []
            for entry in listed:
                calls = [s for s in spans_of(stack, entry["trace_id"])
                         if s["service"] == "web-2" and s["name"].startswith("store ")]
                if calls:
                    found.append((entry["trace_id"], calls))
            return found if len(found) >= 3 else None

        found = stack.wait_for(slowest_on_web_2, timeout=40, interval=1.0,
                               what="web-2's slow traces among the 5 slowest")
        for trace_id, calls in found:
            # The fault proxy delays each answer on the link: every store call carries it.
            assert all(c["duration_ms"] >= 300 for c in calls), (trace_id, calls)
            assert all(c["attributes"]["store.outcome"] in ("ok", "not_found") for c in calls)
        assert {t for t, _ in found} & set(slow)
        printed = json.loads(stack.cli("traces", "--slowest", "5", "--since",
                                       since_arg(started), "--json").stdout)
        assert len(printed) == 5 and {t for t, _ in found} & {t["trace_id"] for t in printed}
    finally:
        FaultDriver(stack).revert(fault["id"])


def _burst(url: str, stop: threading.Event, traces: list[str], seconds: float) -> None:
    """Serializable reads (a member answers them alone, leader or not) to one web instance,
    back to back on two connections, until `stop` or `seconds`."""
    def one() -> None:
        deadline = time.monotonic() + seconds
        with httpx.Client(timeout=3, trust_env=False) as http:
            while time.monotonic() < deadline and not stop.is_set():
                try:
                    answer = http.get(f"{url}/kv/live/failover",
                                      params={"consistency": "serializable"})
                except httpx.HTTPError:
                    continue
                traces.append(answer.headers.get("x-trace-id", ""))

    threads = [threading.Thread(target=one, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 10)


def _failover_trace(stack, since: float) -> tuple[str, list[dict]] | None:
    """A trace since `since` whose store calls failed on one endpoint, then succeeded on
    another."""
    for entry in stack.controller.get("/api/traces", params={
            "since": since_arg(since), "error": "true", "limit": "200"}):
        calls = sorted((s for s in spans_of(stack, entry["trace_id"])
                        if s["name"] == "store get"), key=lambda s: s["start"])
        failed = [c for c in calls if c["attributes"]["store.outcome"] not in ("ok", "not_found")]
        endpoint = [c["attributes"]["store.endpoint"] for c in calls]
        if failed and calls[-1] not in failed and endpoint[-1] != endpoint[calls.index(failed[0])]:
            return entry["trace_id"], calls
    return None


def _kill_the_leader_under_a_burst(stack) -> tuple[str, list[dict]] | None:
    """Kill the store leader while one web instance that uses it is sent reads back to back;
    the trace of the request that failed over, or None. Reverted and healthy on return."""
    webs = [c["url"] for c in stack.status()["components"]
            if c["role"] == "web" and c["state"] == "running"]
    # Earlier faults move instances from member to member: make sure one uses the leader.
    using = {url: stack.store_member_of(url) for url in webs}
    if stack.leader() not in using.values():
        stack.move_store_leader(using[webs[0]])
    leader = stack.leader()
    web = next(url for url, member in using.items() if member == leader)
    driver = FaultDriver(stack)
    stop = threading.Event()
    traces: list[str] = []
    sender = threading.Thread(target=_burst, args=(web, stop, traces, 6.0), daemon=True)
    sender.start()
    time.sleep(0.5)  # the burst is under way (the kill waits for nothing else)
    killed_at = time.time()
    fault = driver.inject("kill", "store:leader", duration="60s", stay_down=True)
    try:
        assert fault["targets"] == [leader]
        time.sleep(1.0)  # let the burst run past the kill, then stop it
        stop.set()
        sender.join(timeout=20)
        assert traces, "no answer at all"
        try:
            return stack.wait_for(lambda: _failover_trace(stack, killed_at), timeout=20,
                                  interval=1.0, what="a failed-over request's trace")
        except AssertionError:
            return None
    finally:
        stop.set()
        driver.revert(fault["id"])
        stack.wait_healthy(timeout=60)


def test_a_store_leader_kill_is_a_failover_of_two_store_call_spans_in_one_trace(stack):
    stack.wait_healthy()
    # The instance moves off the killed member on the first failure there: a request's (the
    # trace wanted) or its readiness check's, which HAProxy and the controller run every 500 ms
    # and which leaves no request trace. The burst sends back to back, so the check is first
    # about 1 time in 100: then the kill is tried once more. The load generator, whose requests
    # are mostly unsampled and would be first as often as the burst, is paused meanwhile.
    with stack.paused_load():
        found = _kill_the_leader_under_a_burst(stack) or _kill_the_leader_under_a_burst(stack)
    assert found, "no request failed over in two leader kills"
    trace_id, calls = found
    first, last = calls[0], calls[-1]
    # One request, two (or more) attempts: the dead member's, then another member's.
    assert first["attributes"]["store.outcome"] in ("unavailable", "timeout"), calls
    assert first["status"] == "error" and last["status"] != "error"
    assert len({c["parent_span_id"] for c in calls}) == 1
    assert last["attributes"]["store.failover"] or last["attributes"]["store.retry"] > 0
    server = next(s for s in spans_of(stack, trace_id) if s["kind"] == "server"
                  and s["service"] != "lb")
    assert server["attributes"]["http.response.status_code"] in (200, 404)


def test_an_exemplar_on_webs_latency_histogram_resolves_to_a_stored_trace(stack):
    stack.wait_healthy()
    api = stack.url("api")
    started = time.time()
    with httpx.Client(timeout=5, trust_env=False) as http:
        mine = {http.get(f"{api}/kv/live/exemplar").headers["x-trace-id"] for _ in range(6)}

    def exemplars() -> list[tuple[dict, dict]]:
        # Through the controller's pass-through, as the console reads them.
        answer = stack.controller.get("/api/prom/query_exemplars", params={
            "query": 'http_request_duration_seconds_bucket{job="web"}',
            "start": str(started - 1), "end": str(time.time() + 1)})
        found = [(series["seriesLabels"], e) for series in answer["data"]
                 for e in series["exemplars"]]
        return found if {e["labels"]["trace_id"] for _, e in found} & mine else None

    found = stack.wait_for(exemplars, timeout=30, interval=1.0,
                           what="Prometheus to keep an exemplar of one of our requests")
    for labels, exemplar in found[:10]:
        assert set(exemplar["labels"]) == {"trace_id"}, exemplar
        trace_id = exemplar["labels"]["trace_id"]
        spans = stack.wait_for(lambda t=trace_id: spans_of(stack, t), timeout=30,
                               interval=1.0, what=f"exemplar trace {trace_id} stored")
        # web's server span (the lb hop, derived from HAProxy's access line, is a server too)
        server = next(s for s in spans if s["kind"] == "server" and s["service"] != "lb")
        assert server["service"] == labels["instance"]
        assert server["attributes"]["http.route"] == labels["route"]
        # The histogram's clock runs inside the span's: the value is at most its duration.
        assert float(exemplar["value"]) * 1000 <= server["duration_ms"] + 1, (exemplar, server)
