"""The load generator's own span per request: the root of the trace the request starts.

Each request of the mix gets a client span (service `loadgen`, name `METHOD op`, e.g.
`GET get_hot`) and sends it as W3C `traceparent`, so HAProxy's hop (derived from its access
line, chaos/traces/lb_span.py), web's server span and web's store calls all hang under it:
a stored trace starts at the client, where the latency a user feels is measured.

The root decides the sampling: a share `GAMEDAY_TRACE_SAMPLE_RATIO` (default 0.05,
services/loadgen/tracecontext.py) of the traces is recorded (the SDK's trace-id ratio
sampler), and the web instances follow the flag. With an OTLP endpoint
(`GAMEDAY_LOADGEN_TRACES_ENDPOINT`, the controller's `/v1/traces`, with the stack's token)
recorded spans are exported in batches; without one, requests still carry a fresh
`traceparent` (the hand-made one of tracecontext.py) and nothing is recorded here.

Attributes of a recorded span: `http.request.method`, `loadgen.op` (the mix's operation),
`http.response.status_code` (0 when no answer came) and `loadgen.outcome` (ok, http_error,
timeout, connection_error: services/loadgen/outcome.py); a span whose outcome is not ok
has status error.
"""

from __future__ import annotations

import os

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanProcessor
from opentelemetry.sdk.trace.sampling import TraceIdRatioBased
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from services.loadgen.outcome import OK
from services.loadgen.tracecontext import sample_ratio, traceparent

ENDPOINT_ENV = "GAMEDAY_LOADGEN_TRACES_ENDPOINT"
SERVICE = "loadgen"
SCOPE = "gameday.loadgen"
EXPORT_DELAY_MILLIS = 1000
EXPORT_TIMEOUT_SECONDS = 5.0


class ClientSpan:
    """One request's span: the header to send, and `end()` once the answer is in."""

    __slots__ = ("headers", "_span")

    def __init__(self, headers: dict[str, str], span: Span | None = None) -> None:
        self.headers = headers
        self._span = span

    def end(self, status: int, outcome: str) -> None:
        span = self._span
        if span is None:
            return
        span.set_attribute("http.response.status_code", status or 0)
        span.set_attribute("loadgen.outcome", outcome)
        if outcome != OK:
            span.set_status(Status(StatusCode.ERROR, outcome))
        span.end()


class RequestTracing:
    """Starts each request's trace; records and exports it when a span processor is given."""

    def __init__(self, ratio: float, processor: SpanProcessor | None = None) -> None:
        self._ratio = ratio
        self._provider: TracerProvider | None = None
        self._tracer = None
        if processor is not None:
            self._provider = TracerProvider(
                sampler=TraceIdRatioBased(ratio), shutdown_on_exit=False,
                resource=Resource.create({"service.name": SERVICE}))
            self._provider.add_span_processor(processor)
            self._tracer = self._provider.get_tracer(SCOPE)

    def start(self, method: str, op: str) -> ClientSpan:
        if self._tracer is None:
            return ClientSpan({"traceparent": traceparent(self._ratio)})
        span = self._tracer.start_span(
            f"{method} {op}", kind=SpanKind.CLIENT,
            attributes={"http.request.method": method, "loadgen.op": op})
        context = span.get_span_context()
        flags = "01" if context.trace_flags.sampled else "00"
        header = f"00-{context.trace_id:032x}-{context.span_id:016x}-{flags}"
        return ClientSpan({"traceparent": header}, span if span.is_recording() else None)

    def shutdown(self) -> None:
        """Exports what is still batched (the process is stopping)."""
        if self._provider is not None:
            self._provider.shutdown()


def from_environment(environ: dict[str, str] | None = None,
                     token: str | None = None) -> RequestTracing:
    """Tracing as the environment configures it: the sample ratio, and an OTLP/HTTP exporter
    with the stack's `token` when `GAMEDAY_LOADGEN_TRACES_ENDPOINT` is set."""
    env = os.environ if environ is None else environ
    ratio = sample_ratio(env)
    endpoint = env.get(ENDPOINT_ENV, "").strip()
    if not endpoint:
        return RequestTracing(ratio)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    exporter = OTLPSpanExporter(endpoint=endpoint, headers=headers,
                                timeout=EXPORT_TIMEOUT_SECONDS)
    return RequestTracing(ratio, BatchSpanProcessor(
        exporter, schedule_delay_millis=EXPORT_DELAY_MILLIS))
