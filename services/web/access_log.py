"""Pure ASGI middleware: one access line per request whose trace is recorded, and per 5xx.

A line (services/jsonlog.py) carries the request's trace and span ids, so the central log
store finds it by the `X-Trace-Id` a user quotes. Only recorded requests are logged (a user's
request always is; the load generator's at its sampling ratio), plus every 5xx whatever its
sampling (the symptom an on-call engineer searches for): logging every request would cost
as much CPU as the request. Inside the tracing middleware, so its span is the current one.
Health checks, scrapes and the controller's `/admin` calls are not logged, as they are not
traced.
"""

from __future__ import annotations

import logging
import time

from opentelemetry.trace import get_current_span
from starlette.types import ASGIApp, Receive, Scope, Send

from services.web.response_status import StatusRecorder
from services.web.trace_middleware import traced

log = logging.getLogger("services.web.access")


def _incoming_trace_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"traceparent":
            parts = value.decode("latin-1").strip().lower().split("-")
            return parts[1] if len(parts) >= 4 and len(parts[1]) == 32 else None
    return None


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not traced(scope):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        sending = StatusRecorder(send)
        try:
            await self.app(scope, receive, sending)
        finally:
            recorded = get_current_span().is_recording()
            status = sending.status
            if recorded or status >= 500:
                extra = {} if recorded else {"trace_id": _incoming_trace_id(scope)}
                log.log(logging.ERROR if status >= 500 else logging.INFO,
                        "%s %s %d %.1fms", scope["method"], scope["path"], status,
                        (time.perf_counter() - started) * 1000, extra=extra)
