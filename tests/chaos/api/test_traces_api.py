"""The trace routes over the fake controller: the OTLP/HTTP receiver takes the stack's token and
the SDK's protobuf; the query routes filter, and refuse bad input naming the field."""

from __future__ import annotations

import gzip
import time

import httpx
import pytest

from chaos.testing.api import served_fake
from chaos.testing.controller import FakePlan
from chaos.traces.forward import TraceForwarder
from tests.chaos.traces.exports import export_body, recorded

TOKEN = "s3cret"
PROTOBUF = {"Content-Type": "application/x-protobuf"}
STACK_TOKEN = {"Authorization": f"Bearer {FakePlan.admin_token}"}


@pytest.fixture
async def client(tmp_path):
    async with served_fake(tmp_path, TOKEN) as (_, client):
        yield client


def now_ns(ago_seconds: float = 0.0) -> int:
    return int((time.time() - ago_seconds) * 1e9)


async def export(client: httpx.AsyncClient, body: bytes, **headers: str) -> httpx.Response:
    return await client.post("/v1/traces", content=body,
                             headers={**PROTOBUF, **STACK_TOKEN, **headers})


async def test_an_export_with_the_stack_token_is_stored_and_answered_in_protobuf(client):
    answer = await export(client, export_body(recorded("web-1", store_calls=2,
                                                       start_ns=now_ns(1))))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/x-protobuf"
    (listed,) = (await client.get("/api/traces")).json()
    assert listed["root_service"] == "web-1" and listed["span_count"] == 3
    assert listed["duration_ms"] == pytest.approx(30.0)
    detail = (await client.get(f"/api/traces/{listed['trace_id']}")).json()
    server, *calls = detail["spans"]
    assert server["parent_span_id"] is None and server["name"] == "GET /kv/{key}"
    assert [c["parent_span_id"] for c in calls] == [server["span_id"]] * 2
    assert calls[1]["attributes"]["store.failover"] is True
    assert set(server) >= {"span_id", "parent_span_id", "service", "name", "start",
                           "duration_ms", "attributes", "status"}


async def test_the_receiver_takes_gzip_and_the_controllers_own_token(client):
    body = gzip.compress(export_body(recorded(start_ns=now_ns(1))))
    answer = await export(client, body, **{"Content-Encoding": "gzip",
                                           "Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200, answer.text
    assert len((await client.get("/api/traces")).json()) == 1


async def test_the_receiver_refuses_no_token_a_json_body_and_garbage(client):
    body = export_body(recorded(start_ns=now_ns(1)))
    anonymous = await client.post("/v1/traces", content=body,
                                  headers={**PROTOBUF, "Authorization": ""})
    assert anonymous.status_code == 401
    as_json = await export(client, b"{}", **{"Content-Type": "application/json"})
    assert as_json.status_code == 415
    assert as_json.json()["errors"][0]["field"] == "content-type"
    assert "application/x-protobuf" in as_json.json()["detail"]
    garbage = await export(client, b"\xff\xff\xff nonsense")
    assert garbage.status_code == 400 and garbage.json()["errors"][0]["field"] == "body"
    assert (await client.get("/api/traces")).json() == []


async def test_filters(client):
    await export(client, export_body(recorded("web-1", start_ns=now_ns(600))))
    await export(client, export_body(recorded("web-2", store_calls=3, error=True,
                                              start_ns=now_ns(5))))
    roots = lambda answer: [t["root_service"] for t in answer.json()]  # noqa: E731
    assert roots(await client.get("/api/traces")) == ["web-2", "web-1"]
    assert roots(await client.get("/api/traces?since=5m")) == ["web-2"]
    assert roots(await client.get("/api/traces?until=1m")) == ["web-1"]
    assert roots(await client.get("/api/traces?since=20m&until=5m")) == ["web-1"]
    assert roots(await client.get("/api/traces?since=30s&until=1s")) == ["web-2"]
    assert roots(await client.get("/api/traces?error=true")) == ["web-2"]
    assert roots(await client.get("/api/traces?error=false")) == ["web-1"]
    assert roots(await client.get("/api/traces?service=web-1")) == ["web-1"]
    assert roots(await client.get("/api/traces?min_duration=35ms")) == ["web-2"]
    assert roots(await client.get("/api/traces?order=slowest&limit=1")) == ["web-2"]


@pytest.mark.parametrize(("query", "field", "allowed"), [
    ("since=soon", "since", "ms, s, m, h"),
    ("until=later", "until", "ms, s, m, h"),
    ("since=1m&until=5m", "until", "until at most since"),
    ("min_duration=-3", "min_duration", "ms, s, m, h"),
    ("error=maybe", "error", "true, false"),
    ("order=fastest", "order", "recent, slowest"),
    ("limit=0", "limit", "1 to 1000"),
    ("limit=many", "limit", "1 to 1000"),
    ("limit=%C2%B2", "limit", "1 to 1000"),  # '²': a digit to str.isdigit, not to int()
    ("colour=red", "colour", "service, min_duration, error, since"),
])
async def test_a_bad_query_is_a_422_naming_the_field_and_what_is_allowed(client, query, field,
                                                                         allowed):
    answer = await client.get(f"/api/traces?{query}")
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field
    assert allowed in answer.json()["detail"]


async def test_a_bad_or_unknown_trace_id(client):
    bad = await client.get("/api/traces/not-a-trace")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "trace_id"
    assert "32 hex" in bad.json()["detail"]
    missing = await client.get(f"/api/traces/{'ab' * 16}")
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "trace_id"


async def test_an_accepted_export_is_relayed_as_received_and_a_refused_one_is_not(tmp_path):
    # Under Compose the controller relays to Jaeger (chaos/traces/forward.py).
    relayed: list[httpx.Request] = []
    backend = httpx.AsyncClient(transport=httpx.MockTransport(
        lambda request: relayed.append(request) or httpx.Response(200)))
    async with served_fake(tmp_path, TOKEN) as (controller, client):
        controller.trace_forward = TraceForwarder("http://jaeger:4318/v1/traces", backend)
        body = gzip.compress(export_body(recorded(start_ns=now_ns(1))))
        assert (await export(client, body, **{"Content-Encoding": "gzip"})).status_code == 200
        assert (await export(client, b"\xff\xff\xff nonsense")).status_code == 400
        assert (await client.post("/v1/traces", content=body,
                                  headers={**PROTOBUF, "Authorization": ""})).status_code == 401
        await controller.trace_forward.flush()
        assert [(r.content, r.headers["content-encoding"]) for r in relayed] == [(body, "gzip")]
        # The controller's own copy is stored as before.
        assert len((await client.get("/api/traces")).json()) == 1
        await controller.trace_forward.aclose()
