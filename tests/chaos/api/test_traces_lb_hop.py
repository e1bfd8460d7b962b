"""`GET /api/traces/{id}` over the fake controller adds the load balancer's hop, derived from
HAProxy's access line in the log store, as the parent of web's server span; lists do not
count it; a line a running drill withholds from /api/logs makes no span either."""

from __future__ import annotations

import json
import random
import time

import pytest

from chaos.drills import incidents
from chaos.logs.store import NewEntry
from chaos.testing.api import served_fake
from chaos.testing.controller import FakePlan
from chaos.testing.drills import TOPOLOGY as TOP
from chaos.testing.drills import seed_for
from tests.chaos.traces.exports import export_body, recorded

TOKEN = "s3cret"
HEADERS = {"Content-Type": "application/x-protobuf",
           "Authorization": f"Bearer {FakePlan.admin_token}"}


@pytest.fixture
async def served(tmp_path):
    async with served_fake(tmp_path, TOKEN) as (controller, client):
        start = time.time() - 1
        answer = await client.post("/v1/traces", headers=HEADERS, content=export_body(
            recorded("web-2", store_calls=2, start_ns=int(start * 1e9))))
        assert answer.status_code == 200, answer.text
        (listed,) = (await client.get("/api/traces")).json()
        yield controller, client, listed["trace_id"], start


def access(trace_id: str, accept: float, path: str = "/kv/a") -> NewEntry:
    return NewEntry(accept, "lb", f"status=200 Tq=0 Tw=0 Tc=1 Tr=28 Tt=31 server=web/web-2 "
                                  f"retries=0 term=---- bytes=210 trace_id={trace_id} "
                                  f'"GET {path} HTTP/1.1"', "info", "haproxy.access", trace_id)


async def test_the_lb_hop_is_the_root_and_webs_server_span_its_child(served):
    controller, client, trace_id, start = served
    before = (await client.get(f"/api/traces/{trace_id}")).json()["spans"]
    assert "lb" not in {s["service"] for s in before}  # no access line: unchanged
    controller.logs.add([access(trace_id, start - 0.001)])
    spans = (await client.get(f"/api/traces/{trace_id}")).json()["spans"]
    assert len(spans) == len(before) + 1
    lb = next(s for s in spans if s["service"] == "lb")
    server = next(s for s in spans if s["name"] == "GET /kv/{key}")
    assert lb["parent_span_id"] is None and lb["kind"] == "server"
    assert server["parent_span_id"] == lb["span_id"]
    assert lb["duration_ms"] == pytest.approx(31.0)
    assert lb["attributes"]["gameday.derived_from"] == "haproxy access log"
    assert lb["attributes"]["haproxy.server"] == "web-2"
    again = (await client.get(f"/api/traces/{trace_id}")).json()["spans"]
    assert next(s for s in again if s["service"] == "lb")["span_id"] == lb["span_id"]
    (listed,) = (await client.get("/api/traces")).json()  # lists are the stored spans only
    assert listed["root_service"] == "web-2" and listed["span_count"] == len(before)


async def test_a_running_drill_withholds_a_line_that_names_it_and_the_span_with_it(served):
    controller, client, trace_id, start = served
    seed = seed_for("easy", "crashed-web")
    target = incidents.pick("easy", TOP, random.Random(seed)).components[0]
    started = await client.post("/api/drills", json={"difficulty": "easy", "seed": seed})
    assert started.status_code == 201, started.text
    [record] = controller.faults.records.values()
    controller.logs.add([access(trace_id, start - 0.001, path=f"/kv/{record.type}")])
    during = (await client.get(f"/api/traces/{trace_id}")).json()["spans"]
    assert "lb" not in {s["service"] for s in during}
    controller.logs.add([access(trace_id, start - 0.002, path="/kv/a")])
    during = (await client.get(f"/api/traces/{trace_id}")).json()["spans"]
    [lb] = [s for s in during if s["service"] == "lb"]  # the symptom's hop stays
    text = json.dumps(lb).lower()
    assert record.id.lower() not in text and record.type.lower() not in text, (target, text)
    assert "fault" not in text and "chaos" not in text
    revealed = await client.post("/api/drills/current/reveal")
    assert revealed.status_code == 200, revealed.text
    after = (await client.get(f"/api/traces/{trace_id}")).json()["spans"]
    assert len([s for s in after if s["service"] == "lb"]) == 2
