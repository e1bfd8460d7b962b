"""The console's pure chart logic, run in the real browser over the static files alone (no
stack): what the "Instances up" lanes call down, present and gone."""

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
