"""Exemplars: web's request-latency histogram carries the trace id of a recorded request, and
/metrics answers OpenMetrics (the only format with exemplars) to a scraper that asks for it,
the Prometheus text format to anyone else."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from services.web.app import create_app
from tests.services.web.conftest import FakeEtcd

# What Prometheus 2.x sends when it scrapes.
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                     "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
UNSAMPLED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
SAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def web(spans, fake_etcd: FakeEtcd, make_settings: Callable[..., Any]):
    @asynccontextmanager
    async def make(recorded: bool = True, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(make_settings(**overrides), CollectorRegistry(),
                         store_transport=httpx.MockTransport(fake_etcd.handler),
                         span_processor=SimpleSpanProcessor(spans) if recorded else None)
        async with app.router.lifespan_context(app):
            asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=asgi, base_url="http://web") as client:
                yield client

    return make


async def scrape(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get("/metrics", headers={"Accept": PROMETHEUS_ACCEPT})


def latency_exemplars(text: str) -> list[tuple[dict[str, str], dict[str, str], float]]:
    """(bucket labels, exemplar labels, exemplar value) of http_request_duration_seconds."""
    found = []
    for family in text_string_to_metric_families(text):
        if family.name != "http_request_duration_seconds":
            continue
        for sample in family.samples:
            if sample.exemplar is not None:
                found.append((sample.labels, sample.exemplar.labels, sample.exemplar.value))
    return found


async def test_a_recorded_request_is_an_exemplar_of_its_latency_bucket(web, spans):
    async with web() as client:
        answer = await client.get("/kv/missing")
        metrics = await scrape(client)
    assert metrics.headers["content-type"].startswith("application/openmetrics-text; version=1.0.0")
    [(bucket, exemplar, seconds)] = latency_exemplars(metrics.text)
    [server] = [s for s in spans.get_finished_spans() if s.name == "GET /kv/{key}"]
    # Only the trace id: nothing else of the request (or of a fault) rides on the exemplar.
    assert exemplar == {"trace_id": answer.headers["x-trace-id"]}
    assert exemplar["trace_id"] == format(server.context.trace_id, "032x")
    assert bucket["route"] == "/kv/{key}" and bucket["method"] == "GET"
    assert seconds <= float(bucket["le"])


async def test_the_exemplar_follows_the_sampled_flag_of_the_traceparent(web):
    async with web() as client:
        await client.get("/kv/a", headers={"traceparent": UNSAMPLED})
        assert latency_exemplars((await scrape(client)).text) == []
        await client.get("/kv/a", headers={"traceparent": SAMPLED})
        [(_, exemplar, _)] = latency_exemplars((await scrape(client)).text)
    assert exemplar == {"trace_id": SAMPLED.split("-")[1]}


@pytest.mark.parametrize("settings", [{"recorded": False}, {"tracing": False}])
async def test_no_exemplar_when_no_trace_is_recorded(web, settings):
    async with web(**settings) as client:
        await client.get("/kv/a")
        metrics = await scrape(client)
    assert "http_request_duration_seconds_bucket" in metrics.text
    assert latency_exemplars(metrics.text) == []


@pytest.mark.parametrize("accept", [None, "text/plain", "*/*", "application/json"])
async def test_anyone_but_an_openmetrics_scraper_reads_the_text_format(web, accept):
    async with web() as client:
        await client.get("/kv/a")
        headers = {"Accept": accept} if accept else {}
        metrics = await client.get("/metrics", headers=headers)
    assert metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "http_request_duration_seconds_bucket{" in metrics.text
    assert "# {" not in metrics.text  # no exemplar syntax
    assert "# EOF" not in metrics.text
