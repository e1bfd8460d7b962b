"""Decode an OTLP/HTTP export (`ExportTraceServiceRequest`, protobuf, as the SDK's
OTLP/HTTP exporter sends it to `/v1/traces`) into `Span`s."""

from __future__ import annotations

import gzip
import zlib
from typing import Any

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from chaos.traces.spans import Span, Status

CONTENT_TYPE = "application/x-protobuf"
_STATUS: dict[int, Status] = {0: "unset", 1: "ok", 2: "error"}
_KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer",
          5: "consumer"}


class BadExport(ValueError):
    """The body is not an OTLP trace export this receiver can read."""


def decompress(body: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    try:
        if encoding == "gzip":
            return gzip.decompress(body)
        if encoding == "deflate":
            return zlib.decompress(body)
    except (OSError, zlib.error, EOFError) as exc:
        raise BadExport(f"the body is not valid {encoding}: {exc}") from None
    if encoding in ("", "identity"):
        return body
    raise BadExport(f"unsupported Content-Encoding {encoding!r}: use gzip, deflate or none")


def decode(body: bytes) -> list[Span]:
    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(body)
    except DecodeError as exc:
        raise BadExport(f"not an OTLP ExportTraceServiceRequest: {exc}") from None
    spans = []
    for resource_spans in request.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        service = str(resource.get("service.name") or "unknown")
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(_span(span, service))
    return spans


def empty_response() -> bytes:
    return ExportTraceServiceResponse().SerializeToString()


def _span(span: Any, service: str) -> Span:
    if len(span.trace_id) != 16 or len(span.span_id) != 8:
        raise BadExport("a span's trace_id must be 16 bytes and its span_id 8 bytes")
    parent = span.parent_span_id.hex() if len(span.parent_span_id) == 8 else None
    return Span(
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_span_id=parent if parent and parent != "0" * 16 else None,
        service=service,
        name=span.name,
        start_ns=span.start_time_unix_nano,
        end_ns=span.end_time_unix_nano,
        kind=_KINDS.get(span.kind, "unspecified"),
        status=_STATUS.get(span.status.code, "unset"),
        status_message=span.status.message,
        attributes=_attributes(span.attributes),
    )


def _attributes(pairs: list[KeyValue]) -> dict[str, Any]:
    return {pair.key: _value(pair.value) for pair in pairs}


def _value(value: AnyValue) -> Any:
    which = value.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [_value(v) for v in value.array_value.values]
    if which == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    if which == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, which)
