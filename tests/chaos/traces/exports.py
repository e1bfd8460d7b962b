"""OTLP/HTTP export bodies made by the OpenTelemetry SDK itself (its encoder is the one its
OTLP/HTTP exporter uses), so the receiver is tested against what real exporters send."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode


def recorded(service: str = "web-1", *, store_calls: int = 1, error: bool = False,
             start_ns: int = 1_700_000_000_000_000_000) -> list[ReadableSpan]:
    """A server span `GET /kv/{key}` with `store_calls` child spans, 10 ms apart."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("tests")
    server = tracer.start_span("GET /kv/{key}", kind=SpanKind.SERVER, start_time=start_ns,
                               attributes={"http.response.status_code": 200})
    context = trace.set_span_in_context(server)
    for i in range(store_calls):
        begin = start_ns + (i + 1) * 10_000_000
        call = tracer.start_span("store get", context=context, kind=SpanKind.CLIENT,
                                 start_time=begin,
                                 attributes={"store.endpoint": f"http://store-{i + 1}",
                                             "store.failover": i > 0})
        if error and i == store_calls - 1:
            call.set_status(Status(StatusCode.ERROR, "unavailable"))
        call.end(end_time=begin + 5_000_000)
    server.end(end_time=start_ns + (store_calls + 1) * 10_000_000)
    provider.shutdown()
    return list(memory.get_finished_spans())


def export_body(spans: list[ReadableSpan]) -> bytes:
    return encode_spans(spans).SerializeToString()
