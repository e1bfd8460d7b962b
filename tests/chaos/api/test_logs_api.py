"""`GET /api/logs` over the fake controller: the contract (fields, order, filters, follow),
refusals naming the field and its allowed values, and a running drill's lines withheld until
the reveal while the symptoms stay."""

from __future__ import annotations

import random
import time

import pytest

from chaos.drills import incidents
from chaos.logs.store import NewEntry
from chaos.testing.api import served_fake
from chaos.testing.drills import TOPOLOGY as TOP
from chaos.testing.drills import seed_for

TOKEN = "s3cret"
TRACE = "5b8aa5a2d2c872e8321cf37308d69df2"
FIELDS = {"id", "time", "component", "level", "logger", "message", "trace_id", "span_id"}


@pytest.fixture
async def served(tmp_path):
    async with served_fake(tmp_path, TOKEN) as (controller, client):
        now = time.time()
        controller.logs.add([
            NewEntry(now - 30, "web-2", "GET /kv/{key} 200 3.1ms", "info", "services.web.access",
                     TRACE, "9f1c2b3d4e5f6071"),
            NewEntry(now - 31, "lb", f"status=200 server=web/web-2 trace_id={TRACE}", "info",
                     "haproxy.access", TRACE),
            NewEntry(now - 20, "store-1", "lost leader", "warning", "raft.go:1"),
            NewEntry(now - 1200, "prometheus", "an old plain line"),
        ])
        yield controller, client


async def test_lines_come_oldest_first_with_every_field(served):
    _, client = served
    response = await client.get("/api/logs", headers={"Authorization": ""})  # reads are open
    assert response.status_code == 200, response.text
    lines = response.json()
    assert [line["component"] for line in lines] == ["prometheus", "lb", "web-2", "store-1"]
    assert all(set(line) == FIELDS for line in lines)
    assert lines[0]["level"] is None and lines[0]["trace_id"] is None
    web = lines[2]
    assert (web["trace_id"], web["span_id"], web["logger"]) == (
        TRACE, "9f1c2b3d4e5f6071", "services.web.access")
    assert isinstance(web["time"], float) and isinstance(web["id"], int)


async def test_filters_and_follow(served):
    controller, client = served

    async def components(**params) -> list[str]:
        response = await client.get("/api/logs", params=params)
        assert response.status_code == 200, response.text
        return [line["component"] for line in response.json()]

    assert await components(component=["lb", "store-1"]) == ["lb", "store-1"]
    assert await components(grep=TRACE) == ["lb", "web-2"]
    assert await components(trace_id=TRACE.upper()) == ["lb", "web-2"]
    assert await components(level="WARNING") == ["store-1"]
    assert await components(since="10m") == ["lb", "web-2", "store-1"]
    assert await components(limit="1") == ["store-1"]
    newest = max(line["id"] for line in (await client.get("/api/logs")).json())
    assert await components(after=str(newest)) == []
    controller.logs.add([NewEntry(time.time(), "web-3", "a new line")])
    assert await components(after=str(newest)) == ["web-3"]


@pytest.mark.parametrize(("params", "field", "allowed"), [
    ({"level": "loud"}, "level", "debug, info, warning, error, critical"),
    ({"limit": "0"}, "limit", "1 to 5000"),
    ({"limit": "5001"}, "limit", "1 to 5000"),
    ({"since": "yesterday"}, "since", "10m"),
    ({"trace_id": "xyz"}, "trace_id", "32 hex"),
    ({"after": "-1"}, "after", "whole number"),
    ({"after": "²"}, "after", "whole number"),  # a digit to str.isdigit, not to int()
    ({"limit": "²"}, "limit", "1 to 5000"),
    ({"component": "Web 1"}, "component", "web-1"),
    ({"colour": "red"}, "colour", "component, grep, level, since, trace_id, after, limit"),
])
async def test_bad_parameters_are_422_naming_the_field_and_what_is_allowed(
        served, params, field, allowed):
    _, client = served
    response = await client.get("/api/logs", params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["errors"][0]["field"] == field
    assert allowed in body["detail"], body


async def test_a_running_drill_withholds_the_lines_that_name_its_fault(served):
    controller, client = served
    seed = seed_for("easy", "crashed-web")
    target = incidents.pick("easy", TOP, random.Random(seed)).components[0]
    started = await client.post("/api/drills", json={"difficulty": "easy", "seed": seed})
    assert started.status_code == 201, started.text
    [record] = controller.faults.records.values()
    now = time.time()
    controller.logs.add([
        NewEntry(now, "controller", f"{target} exited; restarting", "info", "gameday.runtime"),
        NewEntry(now, "proxy", "link lb->web-1 reset", "info", "chaos.proxy.server"),
        NewEntry(now, "loadgen", f"fault {record.id} seen", "info", "services.loadgen"),
        NewEntry(now, "web-3", "worker was killed", "error", "uvicorn.error"),
        NewEntry(now, "web-1", "handled", "info", "services.web.faults.middleware"),
        NewEntry(now, "lb", f"Server web/{target} is DOWN, reason: Layer4 connection problem",
                 "critical", "haproxy"),
    ])
    during = (await client.get("/api/logs", params={"since": "5s"})).json()
    assert [line["component"] for line in during] == ["lb"]  # the symptom stays
    assert [line["component"] for line in (await client.get(
        "/api/logs", params={"component": "controller"})).json()] == []
    # Lines from before the drill are history: the controller's old lines stay readable.
    controller.logs.add([NewEntry(now - 600, "controller", "started web-1", "info", "x")])
    assert [line["message"] for line in (await client.get(
        "/api/logs", params={"component": "controller"})).json()] == ["started web-1"]

    revealed = await client.post("/api/drills/current/reveal")
    assert revealed.status_code == 200, revealed.text
    after = (await client.get("/api/logs", params={"since": "1m"})).json()
    assert {line["component"] for line in after} >= {
        "controller", "proxy", "loadgen", "web-3", "web-1", "lb"}
