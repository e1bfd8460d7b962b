"""The console's pure chart logic, run in the real browser over the static files alone (no
stack): what the "Instances up" lanes call down, present and gone; the window of traces
behind a chart point; the log search's query; the waterfall's layout."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "chaos" / "console" / "static"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def static_page(browser):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(STATIC))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    page = browser.new_page()
    page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
    yield page
    page.close()
    server.shutdown()


def up_states(page, columns: dict[str, list]) -> dict:
    return page.evaluate(
        """async ([names, columns]) => (await import("/js/charts.js")).upStates(columns, names)""",
        [list(columns), list(columns.values())])


def test_a_scaled_in_instance_is_gone_not_down(static_page):
    # web-3 was scaled in: its last sample is a 0 (the scrape that failed as it stopped), then
    # its series ends. web-2 was killed: Prometheus keeps recording up=0.
    states = up_states(static_page, {
        "web-1": [1, 1, 1, 1, 1, 1, 1],
        "web-2": [1, 1, 0, 0, 0, 0, 0],
        "web-3": [1, 1, 0, None, None, None, None],
    })
    assert states == {"down": ["web-2"], "present": ["web-1", "web-2"]}


def test_a_gap_shorter_than_the_ended_window_keeps_the_lane(static_page):
    states = up_states(static_page, {"web-1": [1, 1, 1, None, None, 1],
                                     "lb-1": [1, 0, None, None, 0, None]})
    assert states == {"down": ["lb-1"], "present": ["web-1", "lb-1"]}


def test_all_up(static_page):
    assert up_states(static_page, {"web-1": [1, 1], "store-1": [None, 1]}) == {
        "down": [], "present": ["web-1", "store-1"]}


def module_call(page, module: str, expression: str, *args):
    """`expression` (a function of the module `m` and the args) evaluated in the page."""
    return page.evaluate(
        f"""async (args) => {{ const m = await import("/js/{module}");
                               return ({expression})(...args); }}""",
        list(args))


def test_a_chart_point_links_to_the_15_s_window_behind_it(static_page):
    # A point at t summarises the 15 s before it (the rate windows); the API takes the window
    # as seconds before now.
    window = module_call(static_page, "traces.js", "(t, now, step) => m.windowAround(t, now, step)",
                         1000.0, 1100.0, 2)
    assert window == {"since": "115.0s", "until": "98.0s", "from": 985.0, "to": 1002.0}
    # A point in the last second: the window reaches now, never the future.
    assert module_call(static_page, "traces.js", "(t, now) => m.windowAround(t, now)",
                       1100.0, 1100.5)["until"] == "0.0s"


def test_a_log_search_sends_only_the_fields_filled_in(static_page):
    query = "(fields) => m.logQuery(fields).toString()"
    assert module_call(static_page, "logs.js", query, {}) == "limit=500"
    assert module_call(static_page, "logs.js", query, {
        "components": ["web-1", "store-2"], "grep": " refused ", "level": "warning",
        "since": "10m", "traceId": "AB" * 16, "after": 41}) == (
        "component=web-1&component=store-2&grep=refused&level=warning&since=10m"
        f"&trace_id={'ab' * 16}&after=41&limit=500")


def test_a_log_lines_time_reads_as_rfc_3339_or_unix_seconds(static_page):
    read = "(t) => m.logTime(t)"
    assert module_call(static_page, "logs.js", read, "2024-05-01T12:00:00.250Z") == 1714564800.25
    assert module_call(static_page, "logs.js", read, 1714564800.25) == 1714564800.25


def test_the_waterfall_places_children_under_their_parents_on_the_traces_axis(static_page):
    spans = [
        {"span_id": "c", "parent_span_id": "a", "start": 10.004, "duration_ms": 6},
        {"span_id": "a", "parent_span_id": "gone", "start": 10.0, "duration_ms": 20},
        {"span_id": "b", "parent_span_id": "a", "start": 10.001, "duration_ms": 2,
         "status": "error"},
    ]
    rows = module_call(static_page, "waterfall.js", """(spans) => m.layout(spans).rows.map((r) =>
        [r.span.span_id, r.depth, +r.offsetMs.toFixed(3), +r.left.toFixed(2),
         +r.width.toFixed(2), r.error])""", spans)
    assert rows == [["a", 0, 0, 0, 100, False], ["b", 1, 1, 5, 10, True],
                    ["c", 1, 4, 20, 30, False]]


def test_the_waterfall_roots_the_load_balancers_hop_and_details_its_access_line(static_page):
    lb = {"span_id": "l", "parent_span_id": "gone", "service": "lb", "start": 10.0,
          "duration_ms": 40, "attributes": {
              "gameday.derived_from": "haproxy access log", "haproxy.server": "web-2",
              "http.response.status_code": 503, "haproxy.retries": 1,
              "haproxy.redispatched": True, "haproxy.termination_state": "sC--"}}
    spans = [
        {"span_id": "s", "parent_span_id": "l", "start": 9.995, "duration_ms": 30},
        {"span_id": "c", "parent_span_id": "s", "start": 10.01, "duration_ms": 4},
        lb,
    ]
    rows = module_call(static_page, "waterfall.js", """(spans) => m.layout(spans).rows.map((r) =>
        [r.span.span_id, r.depth])""", spans)
    assert rows == [["l", 0], ["s", 1], ["c", 2]]  # a web span skewed before it stays under it
    assert module_call(static_page, "waterfall.js", "(s) => m.detail(s)", lb) == (
        "HTTP 503 -> web-2 retries 1 redispatched term sC-- (access log)")
