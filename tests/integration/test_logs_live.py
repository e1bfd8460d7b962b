"""On the real local stack: a GET through the `api` endpoint answers `X-Trace-Id`, and the
central log store finds that request's lines from HAProxy (its access line) and from the web
instance that served it, by `gameday logs --grep ID` and `--trace ID`. etcd's lines are in the
same store (zap JSON, parsed); etcd cannot know our trace id (nothing carries it into etcd's
log), so they are found by component and time, not by trace."""

from __future__ import annotations

import json
import re

import httpx
import pytest

pytestmark = pytest.mark.stack

TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


def test_one_requests_lines_from_haproxy_and_web_are_found_by_its_trace_id(stack):
    api = stack.controller.get("/api/status")["endpoints"]["api"]
    with httpx.Client(timeout=10) as http:
        got = http.get(f"{api}/kv/live/logged")
    trace_id = got.headers.get("x-trace-id", "")
    assert TRACE_ID.match(trace_id), got.headers

    def both() -> list[dict] | None:
        found = stack.controller.get("/api/logs", params={"trace_id": trace_id})
        roles = {e["component"].split("-")[0] for e in found}
        return found if {"lb", "web"} <= roles else None

    # The controller reads the files every 0.5 s; bounded for a loaded machine.
    found = stack.wait_for(both, timeout=30, interval=0.5, what=f"lines of trace {trace_id}")
    lb = next(e for e in found if e["component"] == "lb")
    web = next(e for e in found if e["component"].startswith("web-"))
    assert lb["logger"] == "haproxy.access" and "status=404" in lb["message"]
    assert f"server=web/{web['component']}" in lb["message"]
    assert all(f"{t}=" in lb["message"] for t in ("Tq", "Tw", "Tc", "Tr", "Tt", "retries"))
    assert web["span_id"] and web["message"].startswith("GET /kv/live/logged 404")

    grepped = json.loads(stack.cli("logs", "--grep", trace_id, "--json", timeout=120).stdout)
    assert {e["id"] for e in found} <= {e["id"] for e in grepped}
    printed = stack.cli("logs", "--trace", trace_id, "--since", "10m", timeout=120).stdout
    assert f"trace={trace_id}" in printed and " lb " in printed

    # etcd: zap JSON, parsed into level and logger, in the same store and the same time axis.
    # etcd's gRPC library also writes plain Go log lines to the same stderr (parsed too, below).
    store = stack.controller.get("/api/logs", params={"component": "store-1", "limit": "20"})
    zap = [e for e in store if e["logger"] and "/" in e["logger"]]  # zap's caller: pkg/file.go
    assert zap and all(e["level"] for e in zap), store
