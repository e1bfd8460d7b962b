"""A client span per store call *attempt* (services/web/store_client.py calls `attempt()` once
per HTTP call to etcd), so a failover or a read retry reads as two spans in the request's
trace. Attributes: `store.op`, `store.endpoint`, `store.outcome`, `store.retry` (0 for the
first try of a read), `store.failover` (this attempt moved past a refusing endpoint) and
`store.revision` when the answer carries one.

Only inside a recorded request span: the readiness probe's calls, which no request made,
start no trace of their own, and an unsampled request costs no span per call.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

# Outcomes that are answers, not failures (services/web/store_client.py).
FINE = frozenset({"ok", "not_found"})


class StoreAttempt:
    __slots__ = ("_span",)

    def __init__(self, span: Span) -> None:
        self._span = span

    def done(self, outcome: str, body: Any = None, error: str = "") -> None:
        """End the span: `body` is etcd's answer when there was one (its header's revision)."""
        span = self._span
        span.set_attribute("store.outcome", outcome)
        revision = _revision(body)
        if revision:
            span.set_attribute("store.revision", revision)
        if outcome not in FINE:
            span.set_status(Status(StatusCode.ERROR, error or outcome))
        span.end()


class StoreTracing:
    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    def attempt(self, op: str, endpoint: str, *, retry: int, failover: bool
                ) -> StoreAttempt | None:
        if not trace.get_current_span().is_recording():
            return None  # outside a request, or in one that is not sampled
        return StoreAttempt(self._tracer.start_span(
            f"store {op}", kind=SpanKind.CLIENT,
            attributes={"store.op": op, "store.endpoint": endpoint, "store.retry": retry,
                        "store.failover": failover}))


def _revision(body: Any) -> int | None:
    try:
        return int(body["header"]["revision"])
    except (TypeError, KeyError, ValueError):
        return None
