"""The load generator's own span per request (services/loadgen/tracing.py): the header it
sends names its span, the span is recorded at the root's sampling ratio, and its outcome
becomes the span's status."""

from __future__ import annotations

import random
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from services.loadgen import mix
from services.loadgen.mix import KeySpace
from services.loadgen.operations import Operations
from services.loadgen.tracing import ENDPOINT_ENV, RequestTracing, from_environment
from tests.services.loadgen.test_tracecontext import FakeClient, Quiet

W3C = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$")


def recording(ratio: float = 1.0) -> tuple[RequestTracing, InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    return RequestTracing(ratio, SimpleSpanProcessor(spans)), spans


def test_the_header_names_the_recorded_span_and_the_answer_ends_it():
    tracing, spans = recording()
    started = tracing.start("GET", "get_hot")
    trace_id, span_id, flags = W3C.match(started.headers["traceparent"]).groups()
    assert flags == "01" and spans.get_finished_spans() == ()
    started.end(404, "ok")
    [span] = spans.get_finished_spans()
    assert (format(span.context.trace_id, "032x"), format(span.context.span_id, "016x")) == \
        (trace_id, span_id)
    assert span.name == "GET get_hot" and span.kind is SpanKind.CLIENT and span.parent is None
    assert span.resource.attributes["service.name"] == "loadgen"
    assert dict(span.attributes) == {"http.request.method": "GET", "loadgen.op": "get_hot",
                                     "http.response.status_code": 404, "loadgen.outcome": "ok"}
    assert span.status.status_code is StatusCode.UNSET


def test_a_failed_request_is_a_span_in_error_with_its_outcome():
    tracing, spans = recording()
    tracing.start("PUT", "put").end(0, "timeout")
    [span] = spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR and span.status.description == "timeout"
    assert span.attributes["http.response.status_code"] == 0


def test_the_ratio_decides_what_is_recorded_and_the_flag_follows_it():
    tracing, spans = recording(0.0)
    for _ in range(50):
        started = tracing.start("GET", "get_tail")
        assert started.headers["traceparent"].endswith("-00")
        started.end(200, "ok")
    assert spans.get_finished_spans() == ()
    tracing, spans = recording(0.25)
    flags = []
    for _ in range(2000):
        started = tracing.start("GET", "get_tail")
        flags.append(started.headers["traceparent"][-2:])
        started.end(200, "ok")
    assert flags.count("01") == len(spans.get_finished_spans())
    assert 0.2 < flags.count("01") / 2000 < 0.3


def test_without_an_endpoint_requests_still_start_traces_and_nothing_is_recorded():
    tracing = from_environment({}, token="t")
    headers = {tracing.start("GET", "get_hot").headers["traceparent"] for _ in range(100)}
    assert len(headers) == 100 and all(W3C.match(h) for h in headers)
    assert tracing.start("GET", "get_hot")._span is None


def test_with_an_endpoint_the_spans_go_to_it_as_otlp_with_the_stacks_token():
    received: list[tuple[str, bytes]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Authorization"], body))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_port}/v1/traces"
        tracing = from_environment({ENDPOINT_ENV: endpoint, "GAMEDAY_TRACE_SAMPLE_RATIO": "1"},
                                   token="secret")
        started = tracing.start("GET", "get_hot")
        started.end(200, "ok")
        tracing.shutdown()  # exports what is batched
    finally:
        server.shutdown()
    [(authorization, body)] = received
    assert authorization == "Bearer secret"
    request = ExportTraceServiceRequest.FromString(body)
    [span] = request.resource_spans[0].scope_spans[0].spans
    assert span.name == "GET get_hot" and span.span_id.hex() == \
        started.headers["traceparent"].split("-")[2]


def test_each_operation_of_the_mix_sends_the_context_of_its_own_span():
    tracing, spans = recording()
    client = FakeClient()
    operations = Operations(KeySpace(), Quiet(), tracing=tracing)
    rng = random.Random(1)
    for _ in range(3):
        operations.run(mix.GET_HOT, client, rng)
    sent = [W3C.match(h["traceparent"]).group(2) for h in client.headers]
    recorded = [format(s.context.span_id, "016x") for s in spans.get_finished_spans()]
    assert sent == recorded and len(set(sent)) == 3
