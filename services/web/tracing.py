"""The web instance's tracer: OpenTelemetry's SDK, spans exported in batches over OTLP/HTTP
to the controller's receiver.

Sampling is parent-based: a request that comes with a `traceparent` follows its sampled flag
(the load generator samples a share of its requests, services/loadgen/tracecontext.py), and a
request without one (a user's `curl`) starts a sampled trace. A recorded span costs about
100 us of CPU here, most of it the OTLP encoding, so the bulk traffic's root decides how much
of it is recorded (docs/observability.md has the measurements).

With no `traces_endpoint` configured nothing is recorded, but requests still get a trace id
(the `X-Trace-Id` header), so a user can quote it. The SDK is only asked for a span that will
be recorded (services/web/trace_middleware.py): an unsampled request costs a header parse.
The provider is this app's own, never the process-global one: two apps in one test process
do not share spans.
"""

from __future__ import annotations

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased
from opentelemetry.trace import Tracer, get_current_span

SCOPE = "gameday.web"
# The receiver is on the same host: export often, in batches, and give up fast when it is down.
EXPORT_DELAY_MILLIS = 1000
EXPORT_TIMEOUT_SECONDS = 5.0


def otlp_processor(endpoint: str, token: str) -> SpanProcessor | None:
    """Batches to the OTLP/HTTP `endpoint` with the stack's bearer `token`; None without one."""
    if not endpoint:
        return None
    return BatchSpanProcessor(_exporter(endpoint, token), schedule_delay_millis=EXPORT_DELAY_MILLIS)


def provider(service: str, processor: SpanProcessor | None) -> TracerProvider:
    """A provider for instance `service` whose spans go to `processor` (none: record none)."""
    made = TracerProvider(sampler=ParentBased(ALWAYS_ON) if processor else ALWAYS_OFF,
                          resource=Resource.create({"service.name": service}),
                          shutdown_on_exit=False)
    if processor is not None:
        made.add_span_processor(processor)
    return made


def _exporter(endpoint: str, token: str):
    # Imported only when exporting: it pulls in requests and protobuf.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return OTLPSpanExporter(endpoint=endpoint, headers=headers, timeout=EXPORT_TIMEOUT_SECONDS)


def tracer(of: TracerProvider) -> Tracer:
    return of.get_tracer(SCOPE)


def recorded_trace_id() -> dict[str, str] | None:
    """`{"trace_id": ...}` of the span current now when it is recorded (its trace will be
    stored), else None: the exemplar web's latency histogram carries. An unsampled request's
    trace id would link a latency spike to a trace no one can open, so it gets none."""
    span = get_current_span()
    if not span.is_recording():
        return None
    return {"trace_id": format(span.get_span_context().trace_id, "032x")}
