"""Assemble the web service: store client, faults, metrics, routes and ASGI layers."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor
from prometheus_client import CollectorRegistry

from services.web import api_admin, api_health, api_kv, tracing
from services.web.access_log import log_request
from services.web.bad_release import BadReleaseMiddleware, parse_broken_routes
from services.web.body_limit import BodyLimitMiddleware
from services.web.errors import install_error_handlers
from services.web.faults.catalog import FAULT_TYPES
from services.web.faults.manager import FaultManager
from services.web.faults.middleware import FaultInjectionMiddleware
from services.web.loop_lag import LoopLagMonitor
from services.web.metrics import WebMetrics
from services.web.metrics_middleware import MetricsMiddleware
from services.web.readiness import ReadinessProbe
from services.web.route_templates import RouteTemplates
from services.web.settings import WebSettings
from services.web.store_client import EtcdGateway
from services.web.store_tracing import StoreTracing
from services.web.store_transport import AiohttpTransport, StoreTransport
from services.web.trace_middleware import TracingMiddleware
from services.web.validation import MAX_BODY_BYTES

if TYPE_CHECKING:  # httpx only for the tests' fakes: a served instance never imports it
    import httpx

# FastAPI >= 0.16x asks OpenTelemetry's global providers (environment lookups included) on
# every request whether native telemetry is on; this service exports Prometheus metrics
# only, so say no once. bench/profile_path.py measured those checks at ~4% of a web
# instance's samples under load.
_NO_OTEL = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)


def create_app(
    settings: WebSettings,
    registry: CollectorRegistry | None = None,
    *,
    store_transport: StoreTransport | httpx.AsyncBaseTransport | None = None,
    span_processor: SpanProcessor | None = None,
) -> FastAPI:
    """Build the app. Tests inject ``registry`` to assert exact samples and
    ``store_transport`` to play the store: a ``StoreTransport``, or an httpx transport
    (e.g. ``httpx.MockTransport``) carried by ``HttpxTransport``. By default the store
    calls go through aiohttp (see services/web/store_transport.py for why). Spans go to
    ``span_processor`` when given (tests), else to ``settings.traces_endpoint``."""
    metrics = WebMetrics(registry or CollectorRegistry(), release=settings.release)
    if store_transport is None:
        transport: StoreTransport = AiohttpTransport()
    elif hasattr(store_transport, "handle_async_request"):  # an httpx transport
        from services.web.httpx_transport import HttpxTransport

        transport = HttpxTransport(store_transport)
    else:
        transport = store_transport
    processor = span_processor or tracing.otlp_processor(settings.traces_endpoint,
                                                         settings.admin_token)
    traces = tracing.provider(settings.name, processor) if settings.tracing else None
    gateway = EtcdGateway(
        transport,
        settings.store_endpoints,
        timeout=settings.store_timeout,
        read_retries=settings.store_read_retries,
        observe=metrics.observe_store_call,
        tracing=StoreTracing(tracing.tracer(traces)) if traces else None,
    )
    faults = FaultManager(FAULT_TYPES, metrics.faults_active)
    loop_lag = LoopLagMonitor(metrics.event_loop_lag)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop_lag.start()
        try:
            yield
        finally:
            await loop_lag.stop()
            # Burner and leaker threads must not outlive the app.
            faults.revert_all()
            await gateway.aclose()
            if traces is not None:
                traces.shutdown()  # flushes the spans not yet exported

    app = FastAPI(title="gameday web", version=settings.release, lifespan=lifespan, **_NO_OTEL)
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.gateway = gateway
    app.state.readiness = ReadinessProbe(gateway)
    app.state.faults = faults

    routers = (api_kv.router, api_health.router, api_admin.router)
    for router in routers:
        app.include_router(router)
    install_error_handlers(app)

    # add_middleware wraps: the last one added is the outermost layer.
    routes = RouteTemplates(route for router in routers for route in router.routes)
    app.add_middleware(FaultInjectionMiddleware, faults=faults, routes=routes)
    broken = parse_broken_routes(settings.broken_routes)
    if broken:
        app.add_middleware(
            BadReleaseMiddleware, broken=broken, routes=routes
        )
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES)
    if settings.metrics_middleware:
        # Outermost, so it records what clients see: 413s, injected errors, bad release.
        # Inside the tracing layer: a recorded request's trace id becomes its exemplar.
        app.add_middleware(MetricsMiddleware, metrics=metrics, routes=routes,
                           exemplar=tracing.recorded_trace_id
                           if processor is not None and traces is not None else None)
    if traces is not None:
        # Outermost of all: the trace id is on every response, whatever answered it, and
        # each traced request's access line is written once its answer is out.
        app.add_middleware(TracingMiddleware, tracer=tracing.tracer(traces), routes=routes,
                           recording=processor is not None, on_response=log_request)
    return app
