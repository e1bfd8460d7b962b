"""The console in a real browser against the real local stack: it loads, its charts show data,
a fault injected from the page shows in the timeline, the topology and the charts, and abort
clears it."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is missing: pip install -e '.[test]'"
)
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.stack]


def wait_for_attribute(page, selector: str, attribute: str, predicate, timeout: float = 20.0):
    """Poll an element's attribute until predicate(value) holds; returns the value."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = page.get_attribute(selector, attribute)
        if value is not None and predicate(value):
            return value
        time.sleep(0.25)
    raise AssertionError(f"{selector}[{attribute}] still {value!r} after {timeout}s")


def signal(page, chart_id: str) -> dict:
    """The console's definition of one golden-signal chart (title, unit, series queries)."""
    return page.evaluate(
        """async (id) => (await import("/console/static/js/charts.js")).SIGNALS
               .find((s) => s.id === id)""", chart_id)


def test_console_loads_with_live_topology_and_charts(console, stack):
    page = console.page
    status = stack.status()
    for component in status["components"]:
        expect(page.locator(f'.card[data-name="{component["name"]}"]')).to_be_visible()
    leader = status["store_leader"]
    expect(page.locator(f'.card[data-name="{leader}"]')).to_have_attribute("data-leader", "true")
    expect(page.locator("#phase")).to_have_text(re.compile("ready|degraded"))
    # The page got the token from /api/console/session because it runs on 127.0.0.1.
    expect(page.locator("#auth")).to_contain_text("controls enabled")
    expect(page.locator("#inject")).to_be_enabled()
    # Local runtime: Prometheus but no Grafana.
    expect(page.locator('#links a[data-endpoint="prometheus"]')).to_be_visible()
    expect(page.locator('#links a[data-endpoint="grafana"]')).to_have_count(0)

    # Every golden-signal chart draws real samples, and the up lanes list every scraped target.
    for chart in ("rate", "errors", "latency"):
        wait_for_attribute(page, f"#chart-{chart}", "data-points", lambda v: int(v) >= 10)
    last_rate = json.loads(page.get_attribute("#chart-rate", "data-last"))
    assert all(value and value > 1 for value in last_rate), last_rate  # server and client req/s
    wait_for_attribute(page, "#chart-up", "data-points", lambda v: int(v) >= 8)
    expect(page.locator("#chart-up .value")).to_contain_text("up")
    expect(page.locator("#chart-rate canvas")).to_be_visible()
    expect(page.locator("#prom-state")).to_contain_text("live")
    expect(page.locator("#banner")).to_be_hidden()
    # The inject form is built from the catalog.
    catalog = stack.controller.get("/api/catalog")
    expect(page.locator("#fault-type option")).to_have_count(len(catalog))
    console.screenshot("console-overview")


def test_kill_from_the_page_shows_everywhere_and_abort_clears_it(console, stack):
    page = console.page
    try:
        expect(page.locator("#fault-type option")).not_to_have_count(0)
        wait_for_attribute(page, "#chart-rate", "data-points", lambda v: int(v) >= 10)

        def kill_from_the_page() -> str:
            page.select_option("#fault-type", "kill")
            page.fill("#fault-target", "web-2")
            page.check('[data-param="stay_down"]')
            page.fill("#fault-duration", "60s")
            page.click("#inject")
            expect(page.locator("#inject-result")).to_contain_text("kill → web-2")
            (active,) = stack.controller.get("/api/faults?state=active")
            return active["id"]

        fault_id = stack.kill_with_retried_attempts(
            "web-2", kill=kill_from_the_page,
            revert=lambda killed: stack.controller.delete(f"/api/faults/{killed}"))

        # Timeline, topology and banner all show it, and the API agrees.
        item = page.locator(f'.fault[data-id="{fault_id}"]')
        expect(item).to_have_attribute("data-type", "kill")
        expect(item).to_have_attribute("data-targets", "web-2")
        expect(item).to_have_attribute("data-state", "active")
        card = page.locator('.card[data-name="web-2"]')
        expect(card).to_have_attribute("data-faulted", "true")
        expect(card).to_have_attribute("data-state", "stopped")
        expect(page.locator("#banner")).to_be_visible()
        expect(page.locator("#banner")).to_contain_text("kill")
        active = stack.controller.get("/api/faults?state=active")
        assert [(f["type"], f["targets"]) for f in active] == [("kill", ["web-2"])]

        # Prometheus sees web-2 down, and the error chart shows the blip inside the kill's
        # window: the attempts HAProxy sent to web-2 before its checks took it out of rotation
        # failed (and were retried elsewhere).
        wait_for_attribute(page, "#chart-up", "data-down", lambda v: "web-2" in v.split(","))
        series = [s["label"] for s in signal(page, "errors")["series"]]
        lb = series.index("lb→web failed attempts (retried)")
        wait_for_attribute(page, "#chart-errors", "data-fault-peaks",
                           lambda v: (json.loads(v)[lb] or 0) > 0)
        expect(page.locator("#charts-panel")).to_have_attribute(
            "data-fault-windows", re.compile(r"(^|;)kill web-2$"))
        # Let the 15 s rate windows draw the whole blip before the picture is taken.
        time.sleep(8)
        console.screenshot("console-kill-web-2")

        page.click("#abort")
        expect(page.locator("#banner")).to_be_hidden()
        expect(item).to_have_attribute("data-state", "reverted")
        expect(card).to_have_attribute("data-faulted", "false")
        expect(card).to_have_attribute("data-health", "healthy", timeout=30_000)
        assert stack.controller.get("/api/faults?state=active") == []
        wait_for_attribute(page, "#chart-up", "data-down", lambda v: v == "", timeout=30)
        console.screenshot("console-after-abort")
    finally:
        stack.controller.post("/api/abort")


def test_a_real_requests_trace_opens_from_its_id_the_slowest_list_and_a_chart_click(console,
                                                                                     stack):
    page = console.page
    with httpx.Client(timeout=10) as http:
        put = http.put(f"{stack.url('api')}/kv/console/traced", json={"value": "v"})
        assert put.status_code == 200, put.text
        got = http.get(f"{stack.url('api')}/kv/console/traced")
    sent_at = time.time()
    assert got.status_code == 200, got.text
    trace_id = got.headers["x-trace-id"]

    def traced_lines() -> list:
        return stack.controller.get("/api/logs", params={"trace_id": trace_id, "since": "1h"})

    def stored() -> bool:
        # web's spans, the lb span derived from HAProxy's access line, and both access lines
        # (HAProxy's, web's) in the log store: all of the request there is to show.
        found = stack.controller.get(f"/api/traces/{trace_id}")
        names = {(s["service"], s["name"]) for s in found["spans"]}
        return {n for _, n in names} >= {"GET /kv/{key}", "store get"} and \
            any(service == "lb" for service, _ in names) and len(traced_lines()) >= 2

    stack.wait_for(stored, timeout=30, interval=0.5, what=f"trace {trace_id} stored")

    # (a) From the id a user reads in X-Trace-Id: the load balancer's hop (from its access
    # line), web's server span under it and the web to store call under that.
    waterfall = page.locator("#waterfall")
    page.fill("#trace-id", trace_id)
    page.click("#trace-open-button")
    expect(waterfall).to_have_attribute("data-state", "open")
    lb = waterfall.locator('.wf-rows > li[data-service="lb"]')
    expect(lb).to_have_attribute("data-depth", "0")
    server = waterfall.locator('.wf-rows > li[data-name="GET /kv/{key}"]')
    expect(server).to_have_attribute("data-depth", "1")
    expect(server).to_have_attribute("data-parent-span-id", lb.get_attribute("data-span-id"))
    expect(server).to_contain_text("HTTP 200")
    call = waterfall.locator('.wf-rows > li[data-name="store get"]').last
    expect(call).to_have_attribute("data-depth", "2")
    expect(call).to_have_attribute("data-parent-span-id", server.get_attribute("data-span-id"))
    assert server.get_attribute("data-service").startswith("web-")
    expect(call).to_contain_text(" ok")
    console.screenshot("console-trace-of-a-request")

    # (b) From the slowest recent traces (the load generator's sampled ones, and ours).
    page.click("#traces-slowest")
    listed = page.locator("#traces .trace")
    expect(page.locator("#traces-panel")).to_have_attribute("data-list", "slowest")
    expect(listed.first).to_be_visible()
    durations = listed.evaluate_all("(items) => items.map((i) => Number(i.dataset.durationMs))")
    assert durations == sorted(durations, reverse=True), durations
    first = listed.first.get_attribute("data-trace-id")
    listed.first.click()
    expect(waterfall).to_have_attribute("data-trace-id", first)
    expect(waterfall).to_have_attribute("data-state", "open")

    # (c) From a click on the latency chart a few seconds after the request: the traces that
    # started in the 15 s window behind that point include ours.
    latency = page.locator("#chart-latency")
    moment = sent_at + 4
    span = json.loads(wait_for_attribute(
        page, "#chart-latency", "data-range",
        lambda v: len(json.loads(v)) == 2 and json.loads(v)[1] >= moment + 1))
    over = latency.locator(".u-over").bounding_box()
    x = over["x"] + (moment - span[0]) / (span[1] - span[0]) * over["width"]
    page.mouse.click(x, over["y"] + over["height"] / 2)
    expect(page.locator("#traces-panel")).to_have_attribute("data-list", "around-latency")
    ours = page.locator(f'#traces .trace[data-trace-id="{trace_id}"]')
    expect(ours).to_have_count(1)
    starts = listed.evaluate_all("(items) => items.map((i) => Number(i.dataset.start))")
    # The chart redraws every 2 s, so the clicked moment is within a few seconds of `moment`.
    assert all(moment - 15 - 5 <= s <= moment + 5 for s in starts), (moment, starts)
    ours.click()
    expect(waterfall).to_have_attribute("data-trace-id", trace_id)
    expect(waterfall).to_have_attribute("data-state", "open")

    # The waterfall lists the trace's log lines, as many as the logs API has for it.
    wf_logs = waterfall.locator(".wf-logs")
    expect(wf_logs).to_have_attribute("data-count", re.compile(r"^\d+$"))
    assert int(wf_logs.get_attribute("data-count")) == len(traced_lines())

    # The log search finds a line the store holds: web-1's newest one, by its first words.
    newest = stack.wait_for(lambda: stack.controller.get(
        "/api/logs", params={"component": "web-1", "limit": "1"}), timeout=20,
        what="a line of web-1 in the log store")[0]
    words = " ".join(newest["message"].split()[:2])
    page.select_option("#logs-components", ["web-1"])
    page.fill("#logs-grep", words)
    page.select_option("#logs-since", "1h")
    page.click("#logs-search")
    expect(page.locator(f'#logs .log-line[data-id="{newest["id"]}"]')).to_contain_text(
        newest["message"])
    found = page.locator("#logs .log-line")
    assert set(found.evaluate_all("(ls) => ls.map((l) => l.dataset.component)")) == {"web-1"}
