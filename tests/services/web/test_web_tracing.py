"""Traces of the web service: a server span per request (continuing `traceparent`), a span per
store call attempt (a failover reads as two), and `X-Trace-Id` on every response."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from chaos.traces import otlp
from services.web import tracing
from services.web.app import create_app
from tests.services.web.conftest import FakeEtcd

STORE_1, STORE_2 = "http://store-1:2379", "http://store-2:2379"
PARENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{PARENT_TRACE}-00f067aa0ba902b7-01"


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def traced(spans: InMemorySpanExporter, make_settings: Callable[..., Any]):
    @asynccontextmanager
    async def make(handler, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(make_settings(**overrides), CollectorRegistry(),
                         store_transport=httpx.MockTransport(handler),
                         span_processor=SimpleSpanProcessor(spans))
        async with app.router.lifespan_context(app):
            asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=asgi, base_url="http://web") as client:
                yield client

    return make


def by_name(finished: tuple[ReadableSpan, ...]) -> dict[str, list[ReadableSpan]]:
    found: dict[str, list[ReadableSpan]] = {}
    for span in finished:
        found.setdefault(span.name, []).append(span)
    return found


async def test_a_request_is_a_server_span_with_a_store_child_and_says_its_trace_id(
        traced, spans, fake_etcd: FakeEtcd):
    async with traced(fake_etcd.handler) as client:
        put = await client.put("/kv/a", json={"value": "1"})
        got = await client.get("/kv/a")
    assert put.status_code == 200 and got.status_code == 200
    finished = by_name(spans.get_finished_spans())
    (server,) = finished["GET /kv/{key}"]
    (store_get,) = finished["store get"]
    assert got.headers["x-trace-id"] == format(server.context.trace_id, "032x")
    assert put.headers["x-trace-id"] != got.headers["x-trace-id"]
    assert store_get.parent.span_id == server.context.span_id
    assert store_get.context.trace_id == server.context.trace_id
    assert dict(store_get.attributes) == {
        "store.op": "get", "store.endpoint": "http://store-1:2379", "store.retry": 0,
        "store.failover": False, "store.outcome": "ok", "store.revision": fake_etcd.revision}
    assert server.attributes["http.response.status_code"] == 200
    assert server.resource.attributes["service.name"] == "web-test"


async def test_an_incoming_traceparent_is_continued(traced, spans, fake_etcd):
    async with traced(fake_etcd.handler) as client:
        answer = await client.get("/kv/missing", headers={"traceparent": TRACEPARENT})
    assert answer.status_code == 404
    assert answer.headers["x-trace-id"] == PARENT_TRACE
    (server,) = by_name(spans.get_finished_spans())["GET /kv/{key}"]
    assert format(server.parent.span_id, "016x") == "00f067aa0ba902b7"
    (call,) = by_name(spans.get_finished_spans())["store get"]
    assert call.attributes["store.outcome"] == "not_found"


async def test_an_unsampled_traceparent_keeps_its_id_and_records_nothing(traced, spans,
                                                                         fake_etcd):
    async with traced(fake_etcd.handler) as client:
        answer = await client.get("/kv/a", headers={"traceparent": TRACEPARENT[:-2] + "00"})
        broken = await client.get("/kv/a", headers={"traceparent": f"00-{'0' * 32}-ab-01"})
    assert answer.headers["x-trace-id"] == PARENT_TRACE
    # An invalid header starts a trace of its own, recorded as a root.
    (server,) = by_name(spans.get_finished_spans())["GET /kv/{key}"]
    assert broken.headers["x-trace-id"] == format(server.context.trace_id, "032x")
    assert server.parent is None
    assert [s.name for s in spans.get_finished_spans()] == ["store get", "GET /kv/{key}"]


async def store_gets(traced, spans, handler) -> list[ReadableSpan]:
    """GET a missing key over two store endpoints played by `handler`: its store spans, in
    order."""
    async with traced(handler, store_endpoints=[STORE_1, STORE_2]) as client:
        answer = await client.get("/kv/a")
    assert answer.status_code == 404
    return sorted(by_name(spans.get_finished_spans())["store get"], key=lambda s: s.start_time)


async def test_a_failover_reads_as_two_attempt_spans(traced, spans, fake_etcd):
    def store_1_refuses(request: httpx.Request) -> httpx.Response:
        if request.url.host == "store-1":
            raise httpx.ConnectError("connection refused", request=request)
        return fake_etcd.handler(request)

    calls = await store_gets(traced, spans, store_1_refuses)
    assert [(c.attributes["store.endpoint"], c.attributes["store.outcome"],
             c.attributes["store.failover"]) for c in calls] == [
        (STORE_1, "unavailable", False), (STORE_2, "not_found", True)]
    assert not calls[0].status.is_ok and calls[1].status.is_ok
    assert len({c.parent.span_id for c in calls}) == 1


async def test_a_read_retry_after_a_timeout_is_its_own_span(traced, spans, fake_etcd):
    timeouts = []

    def first_call_times_out(request: httpx.Request) -> httpx.Response:
        if not timeouts:
            timeouts.append(request.url.host)
            raise httpx.ReadTimeout("no answer", request=request)
        return fake_etcd.handler(request)

    calls = await store_gets(traced, spans, first_call_times_out)
    assert [(c.attributes["store.outcome"], c.attributes["store.retry"]) for c in calls] == [
        ("timeout", 0), ("not_found", 1)]


async def test_every_answer_has_the_header_and_probes_and_admin_are_not_traced(
        traced, spans, fake_etcd):
    async with traced(fake_etcd.handler) as client:
        too_big = await client.put("/kv/a", content=b"x" * 2_000_000,
                                   headers={"Content-Type": "application/json"})
        unknown = await client.get("/no-such-route")
        ready = await client.get("/readyz")
        scraped = await client.get("/metrics")
        admin = await client.get("/admin/faults", headers={"Authorization": "Bearer test-token"})
    assert too_big.status_code == 413 and len(too_big.headers["x-trace-id"]) == 32
    assert unknown.status_code == 404 and len(unknown.headers["x-trace-id"]) == 32
    assert "x-trace-id" not in ready.headers and "x-trace-id" not in scraped.headers
    assert "x-trace-id" not in admin.headers  # the controller's fault calls: never a span
    names = {s.name for s in spans.get_finished_spans()}
    assert names == {"PUT /kv/{key}", "GET other"}  # the readiness probe's calls: no spans


async def test_without_an_endpoint_the_header_is_still_there(make_client):
    async with make_client() as client:
        answer = await client.get("/kv/a")
    assert len(answer.headers["x-trace-id"]) == 32


async def test_tracing_off_leaves_responses_as_they_were(make_client):
    async with make_client(tracing=False) as client:
        answer = await client.get("/kv/a")
    assert "x-trace-id" not in answer.headers


class _Receiver(BaseHTTPRequestHandler):
    got: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.got.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


def test_the_exporter_posts_protobuf_with_the_stacks_token_that_the_controller_reads():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_port}/v1/traces"
    provider = tracing.provider("web-1", tracing.otlp_processor(endpoint, "stack-token"))
    try:
        with tracing.tracer(provider).start_as_current_span("GET /kv/{key}"):
            pass
        assert provider.force_flush(5000)
    finally:
        provider.shutdown()
        server.shutdown()
    ((headers, body),) = _Receiver.got
    headers = {k.lower(): v for k, v in headers.items()}
    assert headers["authorization"] == "Bearer stack-token"
    assert headers["content-type"] == "application/x-protobuf"
    (span,) = otlp.decode(body)
    assert (span.service, span.name) == ("web-1", "GET /kv/{key}")
