"""Traces: the OTLP/HTTP receiver (`POST /v1/traces`) and the query API (`/api/traces`).

The receiver takes what the OpenTelemetry SDK's OTLP/HTTP exporter sends (protobuf,
optionally gzip) from the stack's own components, so it takes the token they hold: the
stack's admin token (or the controller's own), as a bearer token, like Alertmanager's webhook.
Reads are open, like every other read of the controller's API.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from chaos.api.auth import require_stack_token
from chaos.api.logs import drill_log_filter
from chaos.durations import parse_duration
from chaos.logs.store import LogQuery
from chaos.refusal import Refusal
from chaos.traces import otlp
from chaos.traces.lb_span import SERVICE as LB
from chaos.traces.lb_span import LbHop
from chaos.traces.spans import Span
from chaos.traces.store import TraceQuery, TraceSummary

router = APIRouter(tags=["traces"])

MAX_EXPORT_BYTES = 16 * 1024 * 1024
MAX_LIMIT = 1000
ORDERS = ("recent", "slowest")
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


class TraceItem(BaseModel):
    trace_id: str
    root_service: str
    root_name: str
    start: float  # unix seconds
    duration_ms: float
    span_count: int
    error: bool


class SpanItem(BaseModel):
    span_id: str
    parent_span_id: str | None
    service: str
    name: str
    kind: str
    start: float  # unix seconds
    duration_ms: float
    attributes: dict[str, Any]
    status: str
    status_message: str


class TraceDetail(BaseModel):
    trace_id: str
    spans: list[SpanItem]


def _store(request: Request):
    return request.app.state.controller.traces


async def _body(request: Request) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_EXPORT_BYTES:
            raise Refusal(413, f"body: an export is at most {MAX_EXPORT_BYTES} bytes",
                          field="body")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/v1/traces", dependencies=[Depends(require_stack_token)],
             include_in_schema=False)
async def receive(request: Request) -> Response:
    """OTLP/HTTP trace export: protobuf `ExportTraceServiceRequest` in, empty response out."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != otlp.CONTENT_TYPE:
        raise Refusal(415, f"content-type: {content_type or 'none'} is not accepted; "
                           f"allowed: {otlp.CONTENT_TYPE} (OTLP/HTTP protobuf)",
                      field="content-type")
    encoding = request.headers.get("content-encoding", "")
    body = await _body(request)
    try:
        spans = otlp.decode(otlp.decompress(body, encoding))
    except otlp.BadExport as exc:
        raise Refusal(400, f"body: {exc}", field="body") from None
    # Under Compose, Jaeger gets the same export as received (chaos/traces/forward.py).
    request.app.state.controller.trace_forward.offer(body, encoding)
    await asyncio.to_thread(_store(request).add, spans)
    return Response(otlp.empty_response(), media_type=otlp.CONTENT_TYPE)


def _duration(name: str, text: str | None) -> float | None:
    if text is None or text == "":
        return None
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise Refusal(422, f"{name}: {exc}", field=name) from None


def _flag(name: str, text: str | None) -> bool | None:
    if text is None or text == "":
        return None
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise Refusal(422, f"{name}: {text!r} is not a flag; allowed: true, false", field=name)


def query_of(params: dict[str, str], now: float) -> TraceQuery:
    """The store query for the list route's parameters, or a Refusal naming the bad one."""
    order = params.get("order") or "recent"
    if order not in ORDERS:
        raise Refusal(422, f"order: {order!r} is not an order; allowed: {', '.join(ORDERS)}",
                      field="order")
    raw_limit = params.get("limit") or "50"
    if not (raw_limit.isascii() and raw_limit.isdigit()) or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise Refusal(422, f"limit: {raw_limit!r} is not allowed; use 1 to {MAX_LIMIT}",
                      field="limit")
    since = _duration("since", params.get("since"))
    until = _duration("until", params.get("until"))
    if since is not None and until is not None and until > since:
        raise Refusal(422, f"until: {params['until']!r} is further back than since "
                           f"{params['since']!r}; allowed: until at most since",
                      field="until")
    min_duration = _duration("min_duration", params.get("min_duration")) or 0.0
    return TraceQuery(
        service=params.get("service") or None,
        min_duration_ns=int(min_duration * 1e9),
        error=_flag("error", params.get("error")),
        since_ns=int((now - since) * 1e9) if since is not None else 0,
        until_ns=int((now - until) * 1e9) if until is not None else None,
        order=order, limit=int(raw_limit))


KNOWN_PARAMS = ("service", "min_duration", "error", "since", "until", "order", "limit")


def _item(summary: TraceSummary) -> TraceItem:
    return TraceItem(trace_id=summary.trace_id, root_service=summary.root_service,
                     root_name=summary.root_name, start=summary.start_ns / 1e9,
                     duration_ms=summary.duration_ns / 1e6, span_count=summary.span_count,
                     error=summary.error)


def _span(span: Span) -> SpanItem:
    return SpanItem(span_id=span.span_id, parent_span_id=span.parent_span_id,
                    service=span.service, name=span.name, kind=span.kind,
                    start=span.start_ns / 1e9, duration_ms=span.duration_ns / 1e6,
                    attributes=span.attributes, status=span.status,
                    status_message=span.status_message)


@router.get("/api/traces", response_model=list[TraceItem])
async def list_traces(request: Request) -> list[TraceItem]:
    """Stored traces, newest first (`order=slowest`: longest first). Filters: `service` (any
    span of it), `min_duration` (e.g. 250ms), `error` (true/false), `since` (e.g. 5m),
    `until` (started at least this long ago, e.g. 90s: with `since`, a time window),
    `limit` (1-1000, default 50)."""
    unknown = sorted(set(request.query_params) - set(KNOWN_PARAMS))
    if unknown:
        raise Refusal(422, f"{unknown[0]}: not a parameter; allowed: {', '.join(KNOWN_PARAMS)}",
                      field=unknown[0])
    query = query_of(dict(request.query_params), time.time())
    summaries = await asyncio.to_thread(_store(request).traces, query)
    return [_item(s) for s in summaries]


def _with_lb_hop(request: Request, stored):
    """`stored` (a trace id's spans) plus the load balancer's hop, derived from HAProxy's
    access lines in the log store (chaos/traces/lb_span.py); a line a running drill withholds
    from /api/logs makes no span either."""
    controller = request.app.state.controller
    hide = drill_log_filter(controller)

    def access_lines(trace_id: str) -> list:
        return controller.logs.query(LogQuery(components=(LB,), trace_id=trace_id, limit=50),
                                     hide)

    hop = LbHop(access_lines)
    return lambda trace_id: hop.add(trace_id, stored(trace_id))


@router.get("/api/traces/{trace_id}", response_model=TraceDetail)
async def get_trace(request: Request, trace_id: str) -> TraceDetail:
    """Every span of one trace, by start time, with the load balancer's hop (service `lb`,
    derived from HAProxy's access log) as the parent of web's server span."""
    wanted = trace_id.strip().lower()
    if not _TRACE_ID.match(wanted):
        raise Refusal(422, f"trace_id: {trace_id!r} is not a trace id; use 32 hex digits "
                           "(the X-Trace-Id header of a response)", field="trace_id")
    spans = await asyncio.to_thread(_with_lb_hop(request, _store(request).trace), wanted)
    if not spans:
        raise Refusal(404, f"trace_id: no stored trace {wanted} (not arrived yet, not "
                           "sampled, or past the retention limits)", field="trace_id")
    return TraceDetail(trace_id=wanted, spans=[_span(s) for s in spans])
