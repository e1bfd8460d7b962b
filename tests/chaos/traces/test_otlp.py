"""Decoding what the SDK's OTLP/HTTP exporter sends."""

from __future__ import annotations

import gzip

import pytest

from chaos.traces import otlp
from tests.chaos.traces.exports import export_body, recorded


def test_an_sdk_export_decodes_to_its_spans_with_parents_service_and_status():
    spans = otlp.decode(export_body(recorded("web-2", store_calls=2, error=True)))
    by_name = {}
    for span in spans:
        by_name.setdefault(span.name, []).append(span)
    (server,) = by_name["GET /kv/{key}"]
    calls = by_name["store get"]
    assert server.parent_span_id is None and server.kind == "server"
    assert {s.service for s in spans} == {"web-2"}
    assert all(c.parent_span_id == server.span_id and c.trace_id == server.trace_id
               for c in calls)
    assert len(server.trace_id) == 32 and len(server.span_id) == 16
    assert [c.status for c in sorted(calls, key=lambda c: c.start_ns)] == ["unset", "error"]
    assert server.attributes["http.response.status_code"] == 200
    assert {c.attributes["store.failover"] for c in calls} == {False, True}
    assert calls[0].duration_ns == 5_000_000


def test_gzip_is_undone_and_garbage_is_a_bad_export():
    body = export_body(recorded())
    assert otlp.decompress(gzip.compress(body), "gzip") == body
    assert otlp.decompress(body, "") == body
    with pytest.raises(otlp.BadExport, match="gzip"):
        otlp.decompress(b"not gzip", "gzip")
    with pytest.raises(otlp.BadExport, match="br"):
        otlp.decompress(body, "br")
    with pytest.raises(otlp.BadExport):
        otlp.decode(b"\xff\xff\xff garbage")
