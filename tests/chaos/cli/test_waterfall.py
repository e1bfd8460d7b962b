"""The terminal waterfall draws the load balancer's hop (an `lb` span derived from HAProxy's
access line) as the root, web's server span under it and the store calls under that."""

from __future__ import annotations

from chaos.cli.waterfall import detail, render

T0 = 1_700_000_000.0
LB = {"span_id": "1" * 16, "parent_span_id": "f" * 16, "service": "lb",
      "name": "GET /kv/a", "kind": "server", "start": T0, "duration_ms": 50.0,
      "attributes": {"gameday.derived_from": "haproxy access log", "haproxy.server": "web-2",
                     "http.response.status_code": 200, "haproxy.retries": 0,
                     "haproxy.redispatched": False, "haproxy.termination_state": "----"},
      "status": "unset", "status_message": ""}
SERVER = {"span_id": "a" * 16, "parent_span_id": "1" * 16, "service": "web-2",
          "name": "GET /kv/{key}", "kind": "server", "start": T0 + 0.005, "duration_ms": 40.0,
          "attributes": {"http.response.status_code": 200}, "status": "unset",
          "status_message": ""}
CALL = {"span_id": "b" * 16, "parent_span_id": "a" * 16, "service": "web-2",
        "name": "store get", "kind": "client", "start": T0 + 0.010, "duration_ms": 20.0,
        "attributes": {"store.endpoint": "http://127.0.0.1:4002", "store.outcome": "ok"},
        "status": "unset", "status_message": ""}


def test_the_lb_span_is_the_root_with_web_and_its_store_calls_under_it():
    lines = render([CALL, SERVER, LB], width=50)
    assert [line[:22].rstrip() for line in lines] == [
        "lb: GET /kv/a", "  web-2: GET /kv/{key}", "    web-2: store get"]
    assert "|" + "█" * 50 + "|" in lines[0]
    assert "HTTP 200 -> web-2 (access log)" in lines[0]


def test_the_lb_detail_says_retries_redispatch_and_a_termination_state():
    retried = {**LB, "attributes": {**LB["attributes"], "haproxy.retries": 1,
                                    "haproxy.redispatched": True,
                                    "haproxy.termination_state": "sH--",
                                    "http.response.status_code": 504}}
    assert detail(retried) == "HTTP 504 -> web-2 retries 1 redispatched term sH-- (access log)"


def test_clock_skew_a_web_span_before_its_lb_parent_is_still_drawn_under_it():
    early = {**SERVER, "start": T0 - 0.010}
    lines = render([LB, early, CALL], width=40)
    assert [line[:22].rstrip() for line in lines] == [
        "lb: GET /kv/a", "  web-2: GET /kv/{key}", "    web-2: store get"]
