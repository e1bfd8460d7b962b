"""The console's traces panel in a real browser over the fake controller (no processes): spans
put in the controller's trace store open as a waterfall (spans under their parents, offsets,
bars on the trace's axis, errors marked, attributes on a click) from a typed trace id and from
the slowest and erroring lists; a bad id shows the API's refusal."""

from __future__ import annotations

import time

import pytest

from chaos.logs.store import NewEntry
from chaos.traces.spans import Span

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is missing: pip install -e '.[test]'"
)
expect = sync_api.expect

pytestmark = pytest.mark.browser

MS = 1_000_000
FAILOVER = "a1" * 16
SLOW = "b2" * 16
FAST = "c3" * 16


def request(trace_id: str, service: str, start_ns: int, calls: list[tuple[int, int, dict, str]],
            status_code: int = 200) -> list[Span]:
    """A web server span of `trace_id` whose parent (the load generator's) is not stored, and a
    store-call span under it per (offset ms, duration ms, attributes, status) in `calls`."""
    server_id = trace_id[:16]
    end = max(start_ns + (o + d) * MS for o, d, _, _ in calls) + MS
    spans = [Span(trace_id=trace_id, span_id=server_id, parent_span_id="f" * 16,
                  service=service, name="GET /kv/{key}", kind="server", start_ns=start_ns,
                  end_ns=end, attributes={"http.response.status_code": status_code})]
    for i, (offset, duration, attributes, status) in enumerate(calls):
        begin = start_ns + offset * MS
        spans.append(Span(trace_id=trace_id, span_id=f"{i + 1:016x}", parent_span_id=server_id,
                          service=service, name="store get", kind="client", start_ns=begin,
                          end_ns=begin + duration * MS, status=status,
                          status_message="connection refused" if status == "error" else "",
                          attributes=attributes))
    return spans


@pytest.fixture
def stored(fake_stack):
    now = time.time_ns()
    fake_stack.controller.traces.add([
        *request(FAILOVER, "web-1", now - 20_000 * MS, [
            (1, 2, {"store.endpoint": "http://127.0.0.1:1001", "store.outcome": "unavailable",
                    "store.retry": 0, "store.failover": False}, "error"),
            (4, 10, {"store.endpoint": "http://127.0.0.1:1002", "store.outcome": "ok",
                     "store.retry": 0, "store.failover": True, "store.revision": 42}, "unset")]),
        *request(SLOW, "web-2", now - 10_000 * MS, [
            (1, 300, {"store.endpoint": "http://127.0.0.1:1003", "store.outcome": "ok"}, "unset")]),
        *request(FAST, "web-3", now - 5_000 * MS, [
            (1, 1, {"store.endpoint": "http://127.0.0.1:1001", "store.outcome": "ok"}, "unset")]),
    ])
    return fake_stack


def test_a_typed_trace_id_opens_its_waterfall_with_the_failover_as_two_spans(fake_console,
                                                                             stored):
    page = fake_console.page
    waterfall = page.locator("#waterfall")
    page.fill("#trace-id", FAILOVER.upper())  # pasted in capitals: still the same trace
    page.click("#trace-open-button")
    expect(waterfall).to_have_attribute("data-state", "open")
    expect(waterfall).to_have_attribute("data-trace-id", FAILOVER)
    expect(waterfall.locator(".wf-head")).to_contain_text("3 spans")
    expect(waterfall.locator(".wf-head")).to_contain_text("1 in error")
    rows = waterfall.locator(".wf-rows > li")
    expect(rows).to_have_count(3)
    # The server span first, its two store calls under it, in start order.
    server, refused, answered = (rows.nth(i) for i in range(3))
    expect(server).to_have_attribute("data-depth", "0")
    expect(server).to_have_attribute("data-name", "GET /kv/{key}")
    for call in (refused, answered):
        expect(call).to_have_attribute("data-depth", "1")
        expect(call).to_have_attribute("data-parent-span-id", FAILOVER[:16])
    expect(refused).to_have_attribute("data-error", "true")
    expect(refused).to_have_class("wf-row error")
    expect(refused).to_contain_text("unavailable")
    expect(answered).to_have_attribute("data-error", "false")
    expect(answered).to_contain_text("ok failover rev 42")
    # Offsets and durations on the trace's axis: the answered call starts 4 ms in, of 15 ms.
    assert float(answered.get_attribute("data-offset-ms")) == pytest.approx(4.0, abs=0.01)
    assert float(answered.get_attribute("data-duration-ms")) == pytest.approx(10.0, abs=0.01)
    bar = answered.locator(".wf-bar")
    track = answered.locator(".wf-track").bounding_box()
    box = bar.bounding_box()
    assert (box["x"] - track["x"]) / track["width"] == pytest.approx(4 / 15, abs=0.02)
    assert box["width"] / track["width"] == pytest.approx(10 / 15, abs=0.02)

    answered.click()
    expect(answered).to_have_class("wf-row selected")
    attributes = waterfall.locator(".wf-attributes")
    expect(attributes).to_have_attribute("data-span-id", f"{2:016x}")
    expect(attributes.locator('tr[data-key="store.failover"] td')).to_have_text("true")
    expect(attributes.locator('tr[data-key="store.revision"] td')).to_have_text("42")
    fake_console.screenshot("console-trace-waterfall")


def test_the_slowest_and_erroring_lists_open_a_waterfall(fake_console, stored):
    page = fake_console.page
    listed = page.locator("#traces .trace")
    page.click("#traces-slowest")
    expect(page.locator("#traces-panel")).to_have_attribute("data-list", "slowest")
    expect(listed).to_have_count(3)
    assert listed.evaluate_all("(items) => items.map((i) => i.dataset.traceId)") == [
        SLOW, FAILOVER, FAST]
    listed.first.click()
    expect(page.locator("#waterfall")).to_have_attribute("data-trace-id", SLOW)
    call = page.locator("#waterfall .wf-rows > li").nth(1)
    expect(call).to_have_attribute("data-service", "web-2")
    assert float(call.get_attribute("data-duration-ms")) == pytest.approx(300.0, abs=0.01)
    expect(listed.first).to_have_class("trace selected")

    page.click("#traces-errors")
    expect(page.locator("#traces-panel")).to_have_attribute("data-list", "errors")
    expect(listed).to_have_count(1)
    expect(listed.first).to_have_attribute("data-trace-id", FAILOVER)
    listed.first.click()
    expect(page.locator("#waterfall")).to_have_attribute("data-trace-id", FAILOVER)
    expect(page.locator("#waterfall .wf-rows > li.error")).to_have_count(1)


def test_a_bad_or_unknown_trace_id_shows_the_apis_answer(fake_console, stored):
    page = fake_console.page
    page.fill("#trace-id", "not-a-trace")
    page.click("#trace-open-button")
    waterfall = page.locator("#waterfall")
    expect(waterfall).to_have_attribute("data-state", "error")
    expect(waterfall).to_contain_text("trace_id")
    expect(waterfall).to_contain_text("32 hex")
    page.fill("#trace-id", "d4" * 16)
    page.click("#trace-open-button")
    expect(waterfall).to_contain_text("no stored trace")


@pytest.fixture
def logged(stored):
    """Log lines of every kind of component, three of them inside the failover trace."""
    now = time.time()
    stored.controller.logs.add([
        NewEntry(time=now - 30, component="controller", message="stack ready", level="info",
                 logger="gameday.controller"),
        NewEntry(time=now - 20, component="lb", level="info", logger="haproxy",
                 message="GET /kv/x 200 Tq=0 Tw=0 Tc=1 Tr=14 Tt=15 web/web-1",
                 trace_id=FAILOVER),
        NewEntry(time=now - 19.999, component="web-1", level="warning", logger="web.store",
                 message="store endpoint http://127.0.0.1:1001 refused; failing over",
                 trace_id=FAILOVER, span_id=f"{1:016x}"),
        NewEntry(time=now - 19.99, component="store-2", level="info", logger="etcdserver",
                 message="applied request took too long", trace_id=None),
        NewEntry(time=now - 19.98, component="web-1", level="info", logger="web.access",
                 message="GET /kv/x 200", trace_id=FAILOVER, span_id=FAILOVER[:16]),
    ])
    return stored


def test_the_log_search_finds_lines_and_a_trace_id_opens_the_waterfall_with_them(fake_console,
                                                                                logged):
    page = fake_console.page
    lines = page.locator("#logs .log-line")
    expect(page.locator("#logs-components option")).not_to_have_count(0)
    page.click("#logs-search")
    expect(lines).to_have_count(5)  # every component, oldest first
    assert lines.evaluate_all("(ls) => ls.map((l) => l.dataset.component)") == [
        "controller", "lb", "web-1", "store-2", "web-1"]

    page.fill("#logs-grep", "failing over")
    page.click("#logs-search")
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("refused; failing over")
    expect(lines.first).to_have_attribute("data-component", "web-1")
    page.fill("#logs-grep", "")
    page.select_option("#logs-level", "warning")
    page.click("#logs-search")
    expect(lines).to_have_count(1)
    page.select_option("#logs-level", "")
    page.select_option("#logs-components", ["lb", "store-2"])
    page.click("#logs-search")
    expect(lines).to_have_count(2)
    page.select_option("#logs-components", [])
    page.fill("#logs-trace", FAILOVER)
    page.click("#logs-search")
    expect(lines).to_have_count(3)
    page.fill("#logs-trace", "nope")
    page.click("#logs-search")
    expect(page.locator("#logs-state")).to_contain_text("trace_id")

    # A trace id in a line opens that trace's waterfall, which lists the trace's lines; a
    # click on a line selects the span that wrote it.
    page.fill("#logs-trace", "")
    page.click("#logs-search")
    expect(lines).to_have_count(5)
    lines.nth(2).locator("a.log-trace").click()
    waterfall = page.locator("#waterfall")
    expect(waterfall).to_have_attribute("data-trace-id", FAILOVER)
    traced = waterfall.locator(".wf-logs .log-line")
    expect(traced).to_have_count(3)
    expect(traced.nth(1)).to_contain_text("failing over")
    traced.nth(1).click()
    expect(waterfall.locator(".wf-attributes")).to_have_attribute("data-span-id", f"{1:016x}")
    fake_console.screenshot("console-logs")


def test_following_adds_the_new_lines(fake_console, logged):
    page = fake_console.page
    lines = page.locator("#logs .log-line")
    page.check("#logs-follow")
    page.click("#logs-search")
    expect(lines).to_have_count(5)
    logged.controller.logs.add([NewEntry(time=time.time(), component="web-2", level="error",
                                         logger="web", message="a new line while following")])
    expect(lines).to_have_count(6, timeout=8_000)  # asked every 2 s
    expect(lines.last).to_contain_text("a new line while following")
    expect(page.locator("#logs-state")).to_contain_text("following")
