"""Pure ASGI middleware: a server span per request, continuing an incoming W3C `traceparent`,
and the trace id on every response as `X-Trace-Id` (32 hex digits).

Outermost, so the span and the header cover what the client sees (413s, injected faults, the
bad release). The span is the current one while the app runs, so the store client's attempt
spans are its children. HAProxy's health checks and Prometheus' scrapes (`/readyz`,
`/healthz`, `/metrics`) are not traced: twice a second per instance, they would bury the
requests people look for. Nor is the controller's `/admin` API (fault injection, quiet mode):
a span named after a fault would give a drill away, and the public edge denies it anyway.
"""

from __future__ import annotations

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.web.route_templates import RouteTemplates

UNTRACED_PATHS = frozenset({"/readyz", "/healthz", "/metrics"})
UNTRACED_PREFIX = "/admin"
TRACE_HEADER = b"x-trace-id"
_PROPAGATOR = TraceContextTextMapPropagator()


def _carrier(scope: Scope) -> dict[str, str]:
    # Only the two W3C headers matter; decoding every header would cost on each request.
    found = {}
    for name, value in scope["headers"]:
        if name in (b"traceparent", b"tracestate"):
            found[name.decode("latin-1")] = value.decode("latin-1")
    return found


class TracingMiddleware:
    def __init__(self, app: ASGIApp, *, tracer: Tracer, routes: RouteTemplates) -> None:
        self.app = app
        self._tracer = tracer
        self._routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in UNTRACED_PATHS or \
                path.startswith(UNTRACED_PREFIX):
            await self.app(scope, receive, send)
            return
        carrier = _carrier(scope)
        parent = _PROPAGATOR.extract(carrier) if carrier else None
        route = self._routes.template_of(scope)
        span = self._tracer.start_span(
            f"{scope['method']} {route}", context=parent, kind=SpanKind.SERVER,
            attributes={"http.request.method": scope["method"], "http.route": route,
                        "url.path": scope["path"]})
        trace_id = format(span.get_span_context().trace_id, "032x").encode()
        status = 500

        async def send_with_trace_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (TRACE_HEADER, trace_id)]
            await send(message)

        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            await self.app(scope, receive, send_with_trace_id)
        finally:
            otel_context.detach(token)
            span.set_attribute("http.response.status_code", status)
            if status >= 500:
                span.set_status(Status(StatusCode.ERROR, f"HTTP {status}"))
            span.end()
