"""Pure ASGI middleware: a server span per request, continuing an incoming W3C `traceparent`,
and the trace id on every response as `X-Trace-Id` (32 hex digits).

A request whose `traceparent` is not sampled (most of the load generator's), or any request
when spans go nowhere, gets its trace id in the header and no span at all: the SDK is only
asked for spans that are recorded, which keeps the unsampled path to a header parse.

Outermost, so the span and the header cover what the client sees (413s, injected faults, the
bad release). The span is the current one while the app runs, so the store client's attempt
spans are its children. HAProxy's health checks and Prometheus' scrapes (`/readyz`,
`/healthz`, `/metrics`) are not traced: twice a second per instance, they would bury the
requests people look for. Nor is the controller's `/admin` API (fault injection, quiet mode):
a span named after a fault would give a drill away, and the public edge denies it anyway.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from time import perf_counter

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.web.response_status import StatusRecorder
from services.web.route_templates import RouteTemplates

UNTRACED_PATHS = frozenset({"/readyz", "/healthz", "/metrics"})
UNTRACED_PREFIX = "/admin"


def traced(scope: Scope) -> bool:
    """An HTTP request other than a health check, a scrape or the controller's `/admin`."""
    path = scope.get("path", "")
    return scope["type"] == "http" and path not in UNTRACED_PATHS and \
        not path.startswith(UNTRACED_PREFIX)
TRACE_HEADER = b"x-trace-id"
_PROPAGATOR = TraceContextTextMapPropagator()
# W3C traceparent: version-traceid-parentid-flags; an all-zero id is invalid.
_TRACEPARENT = re.compile(rb"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
_ZERO_TRACE = b"0" * 32


def _incoming(scope: Scope) -> tuple[dict[str, str], bytes | None, bool]:
    """The W3C headers (for the SDK), the valid incoming trace id, and its sampled flag."""
    carrier: dict[str, str] = {}
    for name, value in scope["headers"]:
        if name in (b"traceparent", b"tracestate"):
            carrier[name.decode("latin-1")] = value.decode("latin-1")
    raw = carrier.get("traceparent", "").strip().lower().encode("latin-1")
    found = _TRACEPARENT.match(raw)
    if found is None or found[1] == b"ff" or found[2] == _ZERO_TRACE:
        return carrier, None, False
    return carrier, found[2], bool(int(found[4], 16) & 1)


# Called once per traced request when its answer is out: (scope, status, seconds, trace id,
# span id when recorded, recorded). The access log (services/web/access_log.py).
OnResponse = Callable[[Scope, int, float, bytes, str | None, bool], None]


def _ignore(scope: Scope, status: int, seconds: float, trace_id: bytes,
            span_id: str | None, recorded: bool) -> None:
    return None


class TracingMiddleware:
    def __init__(self, app: ASGIApp, *, tracer: Tracer, routes: RouteTemplates,
                 recording: bool = True, on_response: OnResponse | None = None) -> None:
        self.app = app
        self._tracer = tracer
        self._routes = routes
        # False when spans go nowhere: requests still get a trace id, and cost next to nothing.
        self._recording = recording
        self._on_response = on_response or _ignore

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not traced(scope):
            await self.app(scope, receive, send)
            return
        carrier, incoming, sampled = _incoming(scope)
        if incoming is not None and not sampled:
            # The root decided not to record this trace: keep its id, make no span.
            await self._unrecorded(scope, receive, send, incoming)
            return
        if not self._recording:
            trace_id = incoming or format(_ids.getrandbits(128) or 1, "032x").encode()
            await self._unrecorded(scope, receive, send, trace_id)
            return
        await self._traced(scope, receive, send, carrier if incoming else None)

    async def _unrecorded(self, scope: Scope, receive: Receive, send: Send,
                          trace_id: bytes) -> None:
        """No span: the trace id on the answer, and the answer's status for the access log."""
        started = perf_counter()
        answer = _TraceIdOnAnswer(send, trace_id)
        try:
            await self.app(scope, receive, answer)
        finally:
            self._on_response(scope, answer.status, perf_counter() - started, trace_id, None,
                              False)

    async def _traced(self, scope: Scope, receive: Receive, send: Send,
                      carrier: dict[str, str] | None) -> None:
        parent = _PROPAGATOR.extract(carrier) if carrier else None
        route = self._routes.template_of(scope)
        span = self._tracer.start_span(
            f"{scope['method']} {route}", context=parent, kind=SpanKind.SERVER,
            attributes={"http.request.method": scope["method"], "http.route": route,
                        "url.path": scope["path"]})
        context = span.get_span_context()
        trace_id = format(context.trace_id, "032x").encode()
        started = perf_counter()
        answer = _TraceIdOnAnswer(send, trace_id)
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            await self.app(scope, receive, answer)
        finally:
            otel_context.detach(token)
            status = answer.status
            span.set_attribute("http.response.status_code", status)
            if status >= 500:
                span.set_status(Status(StatusCode.ERROR, f"HTTP {status}"))
            span.end()
            self._on_response(scope, status, perf_counter() - started, trace_id,
                              format(context.span_id, "016x"), True)


class _TraceIdOnAnswer(StatusRecorder):
    """Passes the answer on with `X-Trace-Id` added, and keeps its status."""

    __slots__ = ("_trace_id",)

    def __init__(self, send: Send, trace_id: bytes) -> None:
        super().__init__(send)
        self._trace_id = trace_id

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), (TRACE_HEADER, self._trace_id)]
        await super().__call__(message)


# Ids need to be unique, not secret: the Mersenne Twister, seeded from os.urandom.
_ids = random.Random()
