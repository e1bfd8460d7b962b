"""A drill hides its fault in traces too: whatever in-process fault answers or slows a request,
no span (name, attributes, status message, events, resource) nor exemplar of web names the
fault or how it works, and the controller's /admin calls make no span at all. The symptom (a
5xx in error, a slow span) stays visible."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from services.web.app import create_app
from services.web.faults.catalog import FAULT_TYPES
from tests.services.web.conftest import FakeEtcd

FAULT_ID = "drill-7f3a9c"
# Words that name a fault or its mechanism, matched at a word start ("fault" finds "faults").
MECHANISMS = ("fault", "inject", "burn", "leak", "chaos", "admin", "drill", *FAULT_TYPES)
OPENMETRICS = "application/openmetrics-text;version=1.0.0"

FAULTS = [
    ("http-errors", {"status": 503, "route": "/kv/{key}", "method": "GET"}),
    ("http-latency", {"ms": 60, "route": "/kv/{key}", "method": "GET"}),
    ("cpu-burn", {"cores": 1, "share": 0.2}),
    ("memory-leak", {"mb_per_s": 1, "cap_mb": 1}),
]


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def web(spans, fake_etcd: FakeEtcd, make_settings: Callable[..., Any]):
    @asynccontextmanager
    async def make() -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(make_settings(), CollectorRegistry(),
                         store_transport=httpx.MockTransport(fake_etcd.handler),
                         span_processor=SimpleSpanProcessor(spans))
        async with app.router.lifespan_context(app):
            asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=asgi, base_url="http://web") as client:
                yield client

    return make


def span_text(span: ReadableSpan) -> str:
    """Everything of a span an exporter sends and a learner may read."""
    return json.dumps({
        "name": span.name,
        "attributes": dict(span.attributes or {}),
        "status": span.status.description,
        "events": [(e.name, dict(e.attributes or {})) for e in span.events],
        "links": [dict(link.attributes or {}) for link in span.links],
        "resource": dict(span.resource.attributes),
        "scope": span.instrumentation_scope.name if span.instrumentation_scope else "",
    })


def leaks(text: str, words: set[str]) -> list[str]:
    return sorted(w for w in words if re.search(rf"\b{re.escape(w.lower())}", text.lower()))


def exemplar_labels(text: str) -> list[dict[str, str]]:
    return [sample.exemplar.labels for family in text_string_to_metric_families(text)
            for sample in family.samples if sample.exemplar is not None]


@pytest.mark.parametrize(("fault_type", "params"), FAULTS, ids=[f for f, _ in FAULTS])
async def test_no_span_nor_exemplar_names_an_in_process_fault(
        web, spans, admin_headers, fault_type, params):
    async with web() as client:
        await client.put("/kv/k", json={"value": "v"})
        applied = await client.post("/admin/faults", headers=admin_headers,
                                    json={"id": FAULT_ID, "type": fault_type, "params": params})
        assert applied.status_code == 201, applied.text
        await client.put("/admin/quiet", headers=admin_headers, json={"quiet": True})
        hit = await client.get("/kv/k")
        missed = await client.get("/kv/missing")
        listed = await client.get("/admin/faults", headers=admin_headers)
        assert FAULT_ID in listed.text  # the controller's view has it; the learner's must not
        metrics = await client.get("/metrics", headers={"Accept": OPENMETRICS})
        reverted = await client.delete(f"/admin/faults/{FAULT_ID}", headers=admin_headers)
        assert reverted.status_code == 200

    finished = spans.get_finished_spans()
    by_trace = {format(s.context.trace_id, "032x") for s in finished}
    assert {hit.headers["x-trace-id"], missed.headers["x-trace-id"]} <= by_trace
    assert not [s for s in finished if str(s.attributes.get("url.path", "")).startswith("/admin")]
    assert len({s.context.trace_id for s in finished}) == 3  # the put, the hit, the miss
    secret = {FAULT_ID, *MECHANISMS}
    for span in finished:
        assert leaks(span_text(span), secret) == [], span_text(span)
    assert exemplar_labels(metrics.text)
    assert all(labels.keys() == {"trace_id"} for labels in exemplar_labels(metrics.text))

    # The symptom stays: the injected answer is an error span, the delay a slow span.
    [server] = [s for s in finished if format(s.context.trace_id, "032x")
                == hit.headers["x-trace-id"] and s.parent is None]
    if fault_type == "http-errors":
        assert hit.status_code == 503
        assert server.attributes["http.response.status_code"] == 503
        assert not server.status.is_ok and server.status.description == "HTTP 503"
    if fault_type == "http-latency":
        assert (server.end_time - server.start_time) / 1e6 >= 60
